//! A browser for the review app's HTTP tests: keeps cookies, does not follow redirects (so
//! tests see them), posts URL-encoded forms, and reads hidden fields out of pages.

use crate::harness::TestApp;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub struct Browser<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The `value` of the first `<input name="{name}">`.
    pub fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no field `{name}` in:\n{}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }

    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(self.status, 303, "{}", self.body);
        assert_eq!(self.location.as_deref(), Some(to));
    }

    pub fn assert_sign_in(&self) {
        assert_eq!(self.status, 303, "{}", self.body);
        let to = self.location.as_deref().unwrap_or_default();
        assert!(to.starts_with("/signin"), "redirected to {to}");
    }
}

pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    /// Signs in with `key` through the sign-in form; asserts it worked.
    pub async fn signed_in(app: &'a TestApp, key: &str) -> Browser<'a> {
        let browser = Browser::new(app);
        browser.sign_in(key).await.assert_redirect("/");
        browser
    }

    pub async fn sign_in(&self, key: &str) -> Page {
        let form = self.get("/signin").await;
        assert_eq!(form.status, 200);
        let token = form.field("token");
        self.post("/signin", &[("key", key), ("token", &token), ("next", "/")])
            .await
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(reqwest::Method::POST, path, Some(form_encode(fields)), &[])
            .await
    }

    /// The CSRF token of the session, read from a page's forms.
    pub async fn csrf(&self) -> String {
        self.get("/").await.field("csrf")
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        form: Option<String>,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.app.base));
        let cookie = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        if !cookie.is_empty() {
            request = request.header(COOKIE, cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = form {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let set_cookies: Vec<String> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for line in &set_cookies {
            let pair = line.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let mut cookies = self.cookies.lock().unwrap();
                if value.is_empty() {
                    cookies.remove(name);
                } else {
                    cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        Page {
            status,
            location: headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            set_cookies,
            headers,
            body: response.text().await.unwrap(),
        }
    }
}
