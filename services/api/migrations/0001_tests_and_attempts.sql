-- Practice tests and the attempts users submit against them.
create table tests (
  id uuid primary key,
  title text not null,
  description text not null default '',
  questions jsonb not null,
  version integer not null default 1,
  created_by text not null,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp()
);

create table attempts (
  id uuid primary key,
  test_id uuid not null references tests (id),
  test_version integer not null,
  user_id text not null,
  answers jsonb not null,
  score integer not null,
  max_score integer not null,
  idempotency_key text,
  request_hash text,
  created_at timestamptz not null default clock_timestamp()
);

-- Keyset pagination of GET /v1/me/attempts: newest first, id breaks ties.
create index attempts_user_created_idx on attempts (user_id, created_at desc, id desc);

-- A retried submission with the same Idempotency-Key finds the first one instead of inserting again.
create unique index attempts_user_idempotency_key_idx on attempts (user_id, idempotency_key)
  where idempotency_key is not null;
