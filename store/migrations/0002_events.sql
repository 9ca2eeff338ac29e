-- 0002: events a student is told about, e.g. "your instructor viewed your
-- terminal". Times are INTEGER milliseconds since the Unix epoch (UTC).

CREATE TABLE events (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL CHECK (kind <> ''),
    actor   TEXT    NOT NULL,
    at      INTEGER NOT NULL
) STRICT;
CREATE INDEX events_user_at ON events (user_id, at);
