import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import type { TerraformProvider } from "../../engine";
import { Construct } from "constructs";
import { EncryptionKey } from "../encryption-key/encryption-key";

export interface AlertTopicProps {
  /** Name prefix: topic `<name>-<suffix>`, key alias `<name>-<suffix>`. */
  readonly name: string;
  /** What the topic carries, the last part of its name: `alerts` page, `warnings` do not. @default "alerts" */
  readonly suffix?: "alerts" | "warnings";
  /** Region the topic is in; CloudWatch alarms can only notify a topic in their own region. */
  readonly region: string;
  /**
   * Other AWS services (principals such as `backup.amazonaws.com`) that may publish, limited to
   * this account, and use the key to do so.
   * @default CloudWatch alarms only
   */
  readonly additionalPublishers?: readonly string[];
  /** Provider for a topic in another region (e.g. us-east-1 for Route 53 alarms). @default the stack's provider */
  readonly provider?: TerraformProvider;
}

/** Alarm notifications carry resource names and error text, hence a customer key. */
export const ALARM_PUBLISHER = "cloudwatch.amazonaws.com";

/**
 * The SNS topic alarms notify: encrypted with a customer KMS key whose policy lets CloudWatch
 * encrypt messages, and a topic policy that lets only this account's alarms in this region publish.
 * Subscriptions (email, chat, paging) are added by whoever owns the rota.
 */
export class AlertTopic extends Construct {
  readonly topic: SnsTopic;
  readonly key: EncryptionKey;
  readonly topicName: string;
  readonly topicArn: string;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const { name, region, provider } = props;
    const others = [...new Set(props.additionalPublishers ?? [])].filter((p) => p !== ALARM_PUBLISHER);
    others.forEach((principal) => {
      if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(principal)) {
        throw new Error(
          `AlertTopic ${name}: additionalPublishers entry "${principal}" is not an AWS service principal (e.g. backup.amazonaws.com)`,
        );
      }
    });
    this.topicName = `${name}-${props.suffix ?? "alerts"}`;
    this.key = new EncryptionKey(this, "key", {
      name: this.topicName,
      description: `Alarm notifications on SNS topic ${this.topicName}`,
      serviceUsers: [ALARM_PUBLISHER, ...others].map((principal) => ({ principal })),
      provider,
    });
    this.topic = new SnsTopic(this, "topic", {
      provider,
      name: this.topicName,
      kmsMasterKeyId: this.key.arn,
    });
    this.topicArn = this.topic.arn;

    const account = new DataAwsCallerIdentity(this, "account", { provider }).accountId;
    new SnsTopicPolicy(this, "policy", {
      provider,
      arn: this.topic.arn,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountManages",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: [
              "sns:GetTopicAttributes",
              "sns:SetTopicAttributes",
              "sns:AddPermission",
              "sns:RemovePermission",
              "sns:DeleteTopic",
              "sns:Subscribe",
              "sns:ListSubscriptionsByTopic",
              "sns:Publish",
            ],
            Resource: this.topic.arn,
          },
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: ALARM_PUBLISHER },
            Action: "sns:Publish",
            Resource: this.topic.arn,
            // Only this account's alarms in this region (confused-deputy protection).
            Condition: {
              ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${region}:${account}:alarm:*` },
              StringEquals: { "aws:SourceAccount": account },
            },
          },
          ...others.map((principal, i) => ({
            Sid: `ServicePublishes${i}`,
            Effect: "Allow",
            Principal: { Service: principal },
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: { StringEquals: { "aws:SourceAccount": account } },
          })),
        ],
      }),
    });
  }
}
