#!/usr/bin/env bash
# Applies one synthesized stack. Where the stack holds the database writer and the API's ECS service,
# it first applies the new task definition (and what it needs) without touching the service, runs
# the API's migrations as a one-off task of that revision, and only then applies the rest, so new
# tasks never meet a schema they do not know (they refuse to start on one).
#
# Usage: scripts/apply-stack.sh cdktf.out/stacks/<stack>
# Needs terraform (or TERRAFORM=tofu), the aws CLI, jq and AWS credentials for the stack's account.
# Refuses (exit 3) a stack whose environment still has the shipped example values.
set -euo pipefail

dir=${1:?usage: scripts/apply-stack.sh cdktf.out/stacks/<stack>}
tf=${TERRAFORM:-terraform}
[ -f "$dir/cdk.tf.json" ] || { echo "apply-stack: $dir/cdk.tf.json not found: run npm run synth first" >&2; exit 2; }
# Never deploy the shipped example values (exit 3, naming the config fields to set).
"$(dirname "$0")/refuse-example-values.sh" "$dir"
cd "$dir"
json=cdk.tf.json

# "${aws_subnet.x.id}" -> "aws_subnet.x"
address() { sed -E 's/^\$\{([^.]+\.[^.]+)\..*\}$/\1/'; }

"$tf" init -input=false

writers=$(jq '[.resource.aws_db_instance // {} | to_entries[] | select(.value.replicate_source_db == null)] | length' "$json")
# The API's service is the one behind the load balancer (a queue worker service has none).
service=$(jq -r '[.resource.aws_ecs_service // {} | to_entries[] | select(.value.load_balancer != null)][0].value // empty | tojson' "$json")
if [ "$writers" -gt 0 ] && [ -n "$service" ]; then
  region=$(jq -r '.provider.aws[0].region' "$json")
  cluster=$(jq -r '.resource.aws_ecs_cluster | to_entries[0].value.name' "$json")
  taskdef=$(jq -r '.task_definition' <<<"$service" | address)
  clusterAddr=aws_ecs_cluster.$(jq -r '.resource.aws_ecs_cluster | keys[0]' "$json")
  sgAddr=$(jq -r '.network_configuration.security_groups[0]' <<<"$service" | address)
  mapfile -t subnetAddrs < <(jq -r '.network_configuration.subnets[]' <<<"$service" | address)

  echo "apply-stack: applying the new task definition of $cluster before its service"
  targets=(-target="$taskdef" -target="$clusterAddr" -target="$sgAddr")
  for s in "${subnetAddrs[@]}"; do targets+=(-target="$s"); done
  "$tf" apply -input=false -auto-approve "${targets[@]}"

  state=$("$tf" show -json)
  value() { jq -r --arg a "$1" --arg k "$2" '.values.root_module.resources[] | select(.address == $a) | .values[$k]' <<<"$state"; }
  taskdefArn=$(value "$taskdef" arn)
  sgId=$(value "$sgAddr" id)
  subnetIds=$(for s in "${subnetAddrs[@]}"; do value "$s" id; done | paste -sd, -)

  echo "apply-stack: running the migrations (node dist/migrate.js) as a one-off task of $taskdefArn"
  task=$(aws ecs run-task --region "$region" --cluster "$cluster" --launch-type FARGATE \
    --task-definition "$taskdefArn" --started-by skyline-migrate \
    --network-configuration "awsvpcConfiguration={subnets=[$subnetIds],securityGroups=[$sgId],assignPublicIp=DISABLED}" \
    --overrides '{"containerOverrides":[{"name":"api","command":["node","dist/migrate.js"]}]}' \
    --query 'tasks[0].taskArn' --output text)
  aws ecs wait tasks-stopped --region "$region" --cluster "$cluster" --tasks "$task"
  code=$(aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$task" \
    --query 'tasks[0].containers[?name==`api`].exitCode | [0]' --output text)
  if [ "$code" != "0" ]; then
    echo "apply-stack: the migration task $task exited with '$code'; the service was not updated. Read its logs in CloudWatch (stream prefix api) and fix forward." >&2
    exit 1
  fi
fi

"$tf" plan -input=false -out=tfplan
"$tf" apply -input=false tfplan
