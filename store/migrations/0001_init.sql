-- 0001: users, sessions, check attempts, reveals, progress, settings.
-- Times are INTEGER milliseconds since the Unix epoch (UTC).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    password_hash TEXT    NOT NULL,
    admin         INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    created       INTEGER NOT NULL
) STRICT;

-- Only the SHA-256 of a session token is kept: a leaked database file does
-- not hand out live sessions.
CREATE TABLE sessions (
    token_hash BLOB    PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires    INTEGER NOT NULL,
    created    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson      TEXT    NOT NULL,
    exercise    TEXT    NOT NULL,
    passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
    output      TEXT    NOT NULL CHECK (length(CAST(output AS BLOB)) <= 65536),
    duration_ms INTEGER NOT NULL,
    at          INTEGER NOT NULL
) STRICT;
-- A student's own history (Progress, Attempts).
CREATE INDEX attempts_user_exercise ON attempts (user_id, lesson, exercise);
-- The dashboard: counts per lesson/exercise, recent failures per lesson.
CREATE INDEX attempts_lesson_exercise ON attempts (lesson, exercise);
CREATE INDEX attempts_failures ON attempts (lesson, at) WHERE passed = 0;

CREATE TABLE reveals (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson   TEXT    NOT NULL,
    exercise TEXT    NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind IN ('hint', 'solution')),
    idx      INTEGER NOT NULL CHECK (idx >= 0),
    at       INTEGER NOT NULL
) STRICT;
CREATE INDEX reveals_user_exercise ON reveals (user_id, lesson, exercise);
CREATE INDEX reveals_lesson_exercise ON reveals (lesson, exercise);

-- One row per exercise a user has passed; passed_at is the first pass.
CREATE TABLE progress (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson    TEXT    NOT NULL,
    exercise  TEXT    NOT NULL,
    passed_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, lesson, exercise)
) STRICT, WITHOUT ROWID;
CREATE INDEX progress_lesson_exercise ON progress (lesson, exercise);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
