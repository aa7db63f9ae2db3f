//! A server on a telephone network, ready to call: an organization, a use case whose
//! webhooks go to a local receiver, and a number of its own.

use crate::process::{Api, Server, create_org};
use crate::receiver::Receiver;
use crate::sipp::free_udp_port;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

/// Longer than any call of these tests (a SIP ring timeout is 2 s here).
const CALL: Duration = Duration::from_secs(90);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    Sim,
    Sip,
}

pub struct Line {
    pub api: Api,
    pub receiver: Receiver,
    /// Where the server takes SIP (inbound calls).
    pub sip: SocketAddr,
    pub number_id: String,
    pub phone_number: String,
    pub use_case_id: String,
    _server: Server,
    _dir: tempfile::TempDir,
}

impl Line {
    /// A server on `network`; on SIP its trunk is `trunk` (SIPp), with a 2 s ring timeout.
    pub async fn start(network: Network, trunk: Option<SocketAddr>, extra: &[&str]) -> Line {
        Self::start_with(network, trunk, extra, json!({})).await
    }

    /// As [`Line::start`], with these fields on the number's use case (`amd`, ...).
    pub async fn start_with(
        network: Network,
        trunk: Option<SocketAddr>,
        extra: &[&str],
        use_case: Value,
    ) -> Line {
        let dir = tempfile::tempdir().unwrap();
        let key = create_org(dir.path(), "Telephony", "ops@phone.test");
        let receiver = Receiver::start().await;
        let sip = SocketAddr::from(([127, 0, 0, 1], free_udp_port()));
        let mut args: Vec<String> = vec!["--allow-private-webhooks".into()];
        match network {
            Network::Sim => args.extend(["--sim-speed".into(), "50".into()]),
            Network::Sip => {
                // RTP below the kernel's ephemeral ports (32768 up), where SIPp's and
                // the servers' free ports are found.
                args.extend(
                    [
                        "--telephony",
                        "sip",
                        "--sip-ring-timeout-secs",
                        "2",
                        "--rtp-ports",
                        "20000-32000",
                        "--sip-bind",
                    ]
                    .map(String::from),
                );
                args.push(sip.to_string());
                if let Some(trunk) = trunk {
                    args.extend(["--sip-trunk".into(), format!("sip:{trunk}")]);
                }
            }
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = Server::start(dir.path(), &args);
        let api = Api::new(&server, key);
        let mut fields = json!({"name": "Load confirmation", "hooks": [{"url": receiver.url}]});
        for (key, value) in use_case.as_object().unwrap() {
            fields[key] = value.clone();
        }
        let use_case = api.post("/use-cases", fields).await;
        let number = api.post("/numbers", json!({})).await;
        let number_id = number["id"].as_str().unwrap().to_owned();
        api.send(
            reqwest::Method::PATCH,
            &format!("/numbers/{number_id}"),
            Some(json!({"use_case_id": use_case["id"]})),
        )
        .await;
        Line {
            api,
            receiver,
            sip,
            number_id,
            phone_number: number["number"].as_str().unwrap().to_owned(),
            use_case_id: use_case["id"].as_str().unwrap().to_owned(),
            _server: server,
            _dir: dir,
        }
    }

    /// Dials `to` from the line's number; the call's id.
    pub async fn dial(&self, to: &str) -> String {
        let call = self
            .api
            .post(
                "/dial/outbound",
                json!({"number_id": self.number_id, "phone_number": to}),
            )
            .await;
        call["id"].as_str().unwrap().to_owned()
    }

    /// The call's `start` webhook: it was answered.
    pub async fn started(&self, id: &str) -> Value {
        self.receiver
            .wait_for(CALL, |e| e["type"] == "start" && e["call"]["id"] == id)
            .await
    }

    /// The call's `end` webhook.
    pub async fn end_of(&self, id: &str) -> Value {
        self.receiver
            .wait_for(CALL, |e| e["type"] == "end" && e["call"]["id"] == id)
            .await
    }

    /// Asserts that one of the call's log lines says `text`.
    pub async fn logged(&self, end: &Value, text: &str) {
        let id = end["call"]["id"].as_str().unwrap();
        let logs = self.api.get(&format!("/calls/{id}/logs")).await;
        assert!(
            logs.as_array()
                .unwrap()
                .iter()
                .any(|l| l["message"].as_str().unwrap_or_default().contains(text)),
            "no log line says {text:?}: {logs}"
        );
    }
}

impl Line {
    /// The call's recording, downloaded through its link: the left and right channels.
    pub async fn recording(&self, id: &str) -> (Vec<i16>, Vec<i16>) {
        let link = self.api.get(&format!("/calls/{id}/recording")).await;
        let url = link["url"].as_str().unwrap();
        let wav = reqwest::get(url).await.unwrap().bytes().await.unwrap();
        let mut reader = hound::WavReader::new(std::io::Cursor::new(wav.to_vec())).unwrap();
        assert_eq!(reader.spec().channels, 2, "stereo");
        assert_eq!(reader.spec().sample_rate, 8000);
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        let left = samples.iter().step_by(2).copied().collect();
        let right = samples.iter().skip(1).step_by(2).copied().collect();
        (left, right)
    }
}
