-- An asynchronous submission whose Idempotency-Key an earlier attempt of the same user already holds
-- (sent synchronously first, say): the worker stores nothing new, and GET /v1/attempts/:id on the id
-- the 202 handed out answers with that earlier attempt.
create table attempt_aliases (
  id uuid primary key,
  attempt_id uuid not null references attempts (id),
  user_id text not null
);
