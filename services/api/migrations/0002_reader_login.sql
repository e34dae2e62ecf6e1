-- The read-only login of the API's reader pool on the read replicas (IAM auth on RDS, where the
-- rds_iam role exists). A separate login because the writer's login must keep password auth for
-- RDS Proxy, and a role granted rds_iam can no longer log in with a password.
do $$
begin
  begin
    create role skyline_reader login;
  exception when duplicate_object or unique_violation then
    null; -- another schema of the same cluster created it first
  end;
  if exists (select 1 from pg_roles where rolname = 'rds_iam') then
    grant rds_iam to skyline_reader;
  end if;
  execute format('grant usage on schema %I to skyline_reader', current_schema());
  execute format('grant select on all tables in schema %I to skyline_reader', current_schema());
  execute format('alter default privileges in schema %I grant select on tables to skyline_reader', current_schema());
end
$$;
