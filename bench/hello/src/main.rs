//! Baseline for the HTTP benchmark (issue 5): the smallest axum server, answering `GET /`
//! with a small JSON body. `bench/run.sh` divides every switchyard figure by this one's.

use axum::{Router, http::header, response::IntoResponse, routing::get};

async fn hello() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"message":"hello"}"#,
    )
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut addr = String::from("127.0.0.1:8090");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().expect("--addr needs a value"),
            other => {
                eprintln!("usage: switchyard-bench-hello [--addr HOST:PORT] (unknown: {other})");
                std::process::exit(2);
            }
        }
    }
    let app = Router::new().route("/", get(hello));
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    eprintln!("listening on {addr}");
    axum::serve(listener, app).await.expect("serve");
}
