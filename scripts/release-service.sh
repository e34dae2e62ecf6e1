#!/usr/bin/env bash
# Releases the API of one region through its configured ECS deployment strategy (issue 17).
#
#   scripts/release-service.sh <manifest.json> <region>
#
# Run after scripts/apply-stack.sh applied the region's stack: Terraform registered the new task
# definition revision but, for BLUE_GREEN, CANARY and LINEAR, leaves the service's task definition
# to releases (ECS alternates the target groups only for deployments started through UpdateService).
#
#  1. UpdateService to the family's newest revision: ECS starts green in the alternate target group.
#  2. Wait until ECS holds the deployment at POST_TEST_TRAFFIC_SHIFT: green answers on the test
#     listener, every production request still goes to blue, and the release gate (a lifecycle hook,
#     constructs/release-gate) keeps it there until this release has a verdict. Smoke-check green
#     through the test listener (GET /ready and /health, TLS checked against the region's origin
#     name), then record the verdict in the gate's SSM parameter (the manifest's
#     service.deployment.releaseGate.verdictParameter): `<service deployment ARN> passed` lets ECS
#     shift production traffic; `failed` makes ECS roll back before any user reached green (and the
#     script fails). No verdict within the gate's wait also rolls back.
#  3. Let the shift, the bake and the alarms decide: wait for SUCCESSFUL. ROLLBACK_* (an alarm
#     fired, the circuit breaker, or a failed verdict) fails this script, and the workflow stops the
#     remaining regions.
#
# ROLLING: Terraform's apply already started the deployment; this waits for its outcome only.
# Environment: SKYLINE (how to run the CLI, default `npx tsx cli/index.ts`), POLL_SECONDS (15),
# DEADLINE_MINUTES (default: 45 + the gate's wait + twice the bake), CURL (curl).
set -euo pipefail

manifest="${1:?usage: release-service.sh <manifest.json> <region>}"
region="${2:?usage: release-service.sh <manifest.json> <region>}"
skyline="${SKYLINE:-npx tsx cli/index.ts}"
poll="${POLL_SECONDS:-15}"
curl_bin="${CURL:-curl}"

field() {
  node -e '
    const m = require(require("path").resolve(process.argv[1]));
    const r = m.regions[process.argv[2]];
    if (!r) { console.error(`release: ${process.argv[2]} is not in ${process.argv[1]}`); process.exit(2); }
    const value = new Function("m", "r", `return (${process.argv[3]})`)(m, r);
    console.log(value === undefined || value === null ? "" : value);
  ' "$manifest" "$region" "$1"
}

service="$(field 'r.service ? r.service.service : ""')"
if [ -z "$service" ]; then
  echo "release: $region runs the API on EKS; its Deployment rolled out with the apply (kubectl -n $(field 'r.kubernetes.namespace') rollout status deployment/$(field 'r.kubernetes.deployment'))"
  exit 0
fi
cluster="$(field 'r.service.cluster')"
family="$(field 'r.service.taskFamily')"
strategy="$(field '(r.service.deployment || {}).strategy || "ROLLING"')"
bake="$(field '(r.service.deployment || {}).bakeTimeMinutes || 0')"
test_port="$(field '((r.service.deployment || {}).testListener || {}).port || ""')"
verdict_parameter="$(field '((r.service.deployment || {}).releaseGate || {}).verdictParameter || ""')"
gate_wait="$(field '((r.service.deployment || {}).releaseGate || {}).waitMinutes || 0')"
alb="$(field 'r.loadBalancer.name')"
origin_host="$(field 'r.regionCode + "." + (m.global ? m.global.apiRecordName : "")')"
deadline=$(($(date +%s) + 60 * ${DEADLINE_MINUTES:-$((45 + gate_wait + 2 * bake))}))

# Reads the region's deployments once (`skyline deploy status -o json`); `current <field>` answers
# from that read.
snapshot=""
refresh() { snapshot="$($skyline --manifest "$manifest" --region "$region" -o json deploy status || true)"; }
current() {
  printf '%s' "$snapshot" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      let c;
      try { c = (JSON.parse(s).deployments || [])[0]?.current; } catch { c = undefined; }
      const v = c ? c[process.argv[1]] : undefined;
      console.log(v === undefined || v === null ? "" : v);
    });' "$1"
}

if [ "$strategy" != "ROLLING" ]; then
  target="$(aws ecs describe-task-definition --region "$region" --task-definition "$family" \
    --query 'taskDefinition.taskDefinitionArn' --output text)"
  running="$(aws ecs describe-services --region "$region" --cluster "$cluster" --services "$service" \
    --query 'services[0].taskDefinition' --output text)"
  if [ "$running" = "$target" ]; then
    echo "release: $service already runs $target; nothing to release"
    exit 0
  fi
  echo "release: $service $running -> $target ($strategy, bake $bake min)"
  aws ecs update-service --region "$region" --cluster "$cluster" --service "$service" \
    --task-definition "$target" --query 'service.serviceName' --output text

  # 2. Green behind the test listener, held there by the release gate: smoke-check it, then record
  # the verdict that lets ECS go on (or roll back). Without a gate (a manifest from before it), the
  # checks run as soon as the test listener reaches green.
  if [ -n "$verdict_parameter" ]; then
    held_stages="POST_TEST_TRAFFIC_SHIFT"
  else
    held_stages="TEST_TRAFFIC_SHIFT POST_TEST_TRAFFIC_SHIFT PRODUCTION_TRAFFIC_SHIFT POST_PRODUCTION_TRAFFIC_SHIFT BAKE_TIME"
  fi
  alb_dns="$(aws elbv2 describe-load-balancers --region "$region" --names "$alb" \
    --query 'LoadBalancers[0].DNSName' --output text)"
  refresh
  until [ "$(current taskDefinition)" = "$target" ] && [[ " $held_stages " == *" $(current stage) "* ]]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "::error::release: green never reached the test listener"; exit 1; }
    outcome="$(current outcome)"
    case "$outcome" in "rolled back" | "rollback failed" | "stopped")
      echo "::error::release: the deployment of $target ended $outcome before the smoke checks"; exit 1 ;;
    esac
    sleep "$poll"
    refresh
  done
  deployment_arn="$(current arn)"
  smoke_ok=true
  for path in /ready /health; do
    url="https://$origin_host:$test_port$path"
    code="$($curl_bin --silent --output /dev/null --write-out '%{http_code}' --max-time 10 \
      --connect-to "$origin_host:$test_port:$alb_dns:$test_port" "$url" || true)"
    echo "smoke: $url (test listener, green) -> $code"
    [ "$code" = "200" ] || smoke_ok=false
  done
  verdict=passed
  [ "$smoke_ok" = true ] || verdict=failed
  if [ -n "$verdict_parameter" ]; then
    echo "release: verdict $verdict for $deployment_arn -> $verdict_parameter"
    if ! aws ssm put-parameter --region "$region" --name "$verdict_parameter" --type String --overwrite \
      --value "$deployment_arn $verdict" --query Version --output text; then
      echo "::error::release: could not record the verdict in $verdict_parameter; rolling back"
      $skyline --manifest "$manifest" --region "$region" deploy rollback --yes || true
      exit 1
    fi
  fi
  if [ "$verdict" != passed ]; then
    if [ -n "$verdict_parameter" ]; then
      # The gate answers FAILED on its next call and ECS rolls back; no user has reached green.
      echo "::error::release: green failed its smoke checks on the test listener; the release gate rolls it back"
      while :; do
        refresh
        case "$(current outcome)" in
          "rolled back" | "rollback failed" | "stopped")
            echo "release: the deployment in $region ended $(current outcome)"; break ;;
        esac
        [ "$(date +%s)" -lt "$deadline" ] || { echo "::error::release: the rollback in $region did not settle before the deadline"; break; }
        sleep "$poll"
      done
    else
      echo "::error::release: green failed its smoke checks on the test listener; rolling back"
      $skyline --manifest "$manifest" --region "$region" deploy rollback --yes
    fi
    exit 1
  fi
fi

# 3. The shift, the bake and the alarms decide.
while :; do
  refresh
  outcome="$(current outcome)"
  echo "deploy: $region $(current status) ($outcome, stage $(current stage), $(current percentShifted) % shifted, bake left $(current bakeMinutesLeft) min)"
  case "$outcome" in
    succeeded) echo "release: $service released in $region"; exit 0 ;;
    "rolled back" | "rollback failed" | "stopped")
      echo "::error::release: the deployment in $region ended $outcome ($(current reason)); the remaining regions are not released"
      exit 1 ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || { echo "::error::release: no outcome in $region before the deadline"; exit 1; }
  sleep "$poll"
done
