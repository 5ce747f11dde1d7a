//! The HTTP server (hyper, HTTP/1.1) and the block producer.
//!
//! Routes as nearcore's: `POST /` for JSON-RPC, `GET /status` and
//! `GET /health` (near-sandbox polls `/status` to know the node is up).
//! HTTP status codes follow nearcore's: 200 for results and handler errors,
//! 400 for request validation errors (unparsable JSON, unknown method, bad
//! params), 408 for transaction timeouts, 500 for internal errors, 413 for a
//! body over `rpc.limits_config.json_payload_max_size`.
//!
//! Cross-origin requests are allowed from any origin, as nearcore's default
//! `cors_allowed_origins = ["*"]`: a web page (the dashboard, a wallet in
//! development) reads the node from the browser. Preflights (`OPTIONS`) are
//! answered for every route.

use super::{rpc, status_view, Shared};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    CONTENT_LENGTH, CONTENT_TYPE,
};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use near_jsonrpc_primitives::errors::{RpcError, RpcErrorKind};
use near_jsonrpc_primitives::message::{self, Message};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;

/// Serves until `stop` turns true: accepts connections and produces blocks.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    listener: TcpListener,
    mut stop: watch::Receiver<bool>,
) {
    let producer = tokio::spawn(produce_blocks(Arc::clone(&shared), stop.clone()));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                let mut conn_stop = stop.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = Arc::clone(&shared);
                        async move { Ok::<_, Infallible>(route(shared, req).await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = conn_stop.changed() => conn.as_mut().graceful_shutdown(),
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
    let _ = producer.await;
}

/// Produces blocks back to back while transactions or receipts wait, and an
/// empty block every `block_production_delay` otherwise, as a node does.
async fn produce_blocks(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let delay = shared.settings.block_production_delay;
    let mut next_idle_block = Instant::now() + delay;
    loop {
        tokio::select! {
            _ = shared.work.notified() => {}
            _ = tokio::time::sleep_until(next_idle_block) => {}
            _ = stop.changed() => return,
        }
        let mut force = Instant::now() >= next_idle_block;
        loop {
            let inner = Arc::clone(&shared);
            let produced = tokio::task::spawn_blocking(move || {
                let mut core = inner.lock();
                (force || core.chain.has_work()).then(|| core.produce_block())
            })
            .await;
            match produced {
                Ok(Some(height)) => {
                    shared.head.send_replace(height);
                    next_idle_block = Instant::now() + delay;
                    force = false;
                }
                // Nothing to do, or a block panicked (a localnet bug): wait
                // for the next event rather than spin.
                Ok(None) | Err(_) => break,
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}

type Resp = Response<Full<Bytes>>;

async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    let mut response = if req.method() == Method::OPTIONS {
        preflight(&req)
    } else {
        serve_route(shared, req).await
    };
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// The answer to a CORS preflight: any origin may POST JSON (the headers it
/// asks for are echoed), for a day; a page on a public origin may also
/// reach a node on loopback (Private Network Access).
fn preflight(req: &Request<Incoming>) -> Resp {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, POST, OPTIONS"),
    );
    let asked = req
        .headers()
        .get(ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("content-type"));
    headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked);
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    headers.insert(
        "access-control-allow-private-network",
        HeaderValue::from_static("true"),
    );
    response
}

async fn serve_route(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    match (req.method(), req.uri().path()) {
        (&Method::POST, "/") => json_rpc(shared, req).await,
        (&Method::GET | &Method::HEAD, "/status") => {
            let status = tokio::task::spawn_blocking(move || status_view(&shared)).await;
            match status {
                Ok(status) => json_response(StatusCode::OK, &status),
                Err(e) => text_response(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        }
        (&Method::GET | &Method::HEAD, "/health") => {
            json_response(StatusCode::OK, &serde_json::json!({}))
        }
        _ => text_response(StatusCode::NOT_FOUND, String::new()),
    }
}

async fn json_rpc(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    let limit = shared.settings.json_payload_max_size;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let body = match Limited::new(req.into_body(), limit).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
        Err(e) => return text_response(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let reply = match message::from_slice(&body) {
        Ok(Message::Request(request)) => {
            let id = request.id.clone();
            let result = rpc::call(&shared, &request.method, request.params).await;
            Message::response(id, result)
        }
        Ok(_) => Message::error(RpcError::parse_error(
            "JSON RPC Request format was expected".to_owned(),
        )),
        Err(broken) => broken.reply(),
    };
    json_response(status_of(&reply), &reply)
}

/// nearcore's mapping of a JSON-RPC reply to an HTTP status.
fn status_of(reply: &Message) -> StatusCode {
    let Message::Response(response) = reply else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    match &response.result {
        Ok(_) => StatusCode::OK,
        Err(error) => match &error.error_struct {
            Some(RpcErrorKind::RequestValidationError(_)) => StatusCode::BAD_REQUEST,
            Some(RpcErrorKind::HandlerError(e))
                if e.get("name").and_then(|n| n.as_str()) == Some("TIMEOUT_ERROR") =>
            {
                StatusCode::REQUEST_TIMEOUT
            }
            Some(RpcErrorKind::HandlerError(_)) | None => StatusCode::OK,
            Some(RpcErrorKind::InternalError(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        },
    }
}

fn too_large() -> Resp {
    text_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "length limit exceeded".into(),
    )
}

fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Resp {
    let bytes = serde_json::to_vec(body).expect("responses serialize");
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn text_response(status: StatusCode, text: String) -> Resp {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response
}
