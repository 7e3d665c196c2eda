//! Serves the example: TOKENWARD_ISSUER, TOKENWARD_AUDIENCE and
//! TOKENWARD_CLIENT_ID say what tokens to accept; DATABASE (users.db) and
//! PORT (8080) where to keep users and listen; TOKENWARD_STYLE (cotter) the
//! payload the page at / posts to /login, "cotter" or "secuuth".

use tokenward_example_axum::{page, router, Config};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config {
        issuer: env("TOKENWARD_ISSUER"),
        audience: env("TOKENWARD_AUDIENCE"),
        client_id: env("TOKENWARD_CLIENT_ID"),
        database: std::env::var("DATABASE").unwrap_or_else(|_| "users.db".into()),
        cookie_secure: std::env::var("COOKIE_SECURE").is_ok_and(|v| v == "1"),
    };
    let style = std::env::var("TOKENWARD_STYLE").unwrap_or_else(|_| "cotter".into());
    let page = page::router(&config, &style)?;
    let app = router(config)?.merge(page);
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("rust-axum listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
