import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Fn, type TerraformProvider } from "../../engine";
import { Construct } from "constructs";

export interface CertificateProps {
  readonly domainName: string;
  /** Additional names on the certificate. @default none */
  readonly alternativeNames?: readonly string[];
  /** Public hosted zone that validates the names by DNS (must already exist). */
  readonly hostedZoneName: string;
  /** Provider, e.g. the us-east-1 alias for CloudFront. @default the stack's provider */
  readonly provider?: TerraformProvider;
}

/** An ACM certificate validated through Route 53, renewed by ACM for as long as the records exist. */
export class Certificate extends Construct {
  readonly certificate: AcmCertificate;
  /** ARN of the validated certificate: resources using it wait for validation. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id);
    const zone = new DataAwsRoute53Zone(this, "zone", { name: props.hostedZoneName, privateZone: false });
    this.certificate = new AcmCertificate(this, "certificate", {
      provider: props.provider,
      domainName: props.domainName,
      subjectAlternativeNames: [...(props.alternativeNames ?? [])],
      validationMethod: "DNS",
      keyAlgorithm: "EC_prime256v1",
      lifecycle: { createBeforeDestroy: true },
    });
    // One record per name; names and values are only known after the certificate exists.
    const names = [props.domainName, ...(props.alternativeNames ?? [])];
    const records = names.map(
      (_, i) =>
        new Route53Record(this, `validation-${i}`, {
          zoneId: zone.zoneId,
          name: Fn.lookup(Fn.element(this.certificate.domainValidationOptions, i), "resource_record_name"),
          type: Fn.lookup(Fn.element(this.certificate.domainValidationOptions, i), "resource_record_type"),
          records: [
            Fn.lookup(Fn.element(this.certificate.domainValidationOptions, i), "resource_record_value"),
          ],
          ttl: 300,
          allowOverwrite: true,
        }),
    );
    const validation = new AcmCertificateValidation(this, "validation", {
      provider: props.provider,
      certificateArn: this.certificate.arn,
      validationRecordFqdns: records.map((r) => r.fqdn),
    });
    this.arn = validation.certificateArn;
  }
}
