-- The users and sessions of the five example backends (flask-login, fastapi-login,
-- express-login, fastify-login, rust-axum), which all read this file at start.
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL UNIQUE,
    email TEXT,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
