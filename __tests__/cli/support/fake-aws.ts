/**
 * A tiny AWS API endpoint on a real local socket for child-process tests (--endpoint-url): it
 * speaks the query protocol (RDS, ElastiCache, ELBv2: form body with Action, XML answers) and the
 * JSON protocols (ECS, CloudWatch: X-Amz-Target, JSON answers). Each test scripts the answer per
 * action, including "hang" (never answer) and an HTML 5xx.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Answer =
  | { readonly xml: string }
  | { readonly json: unknown }
  | { readonly status: number; readonly html: string }
  | "hang";

export interface FakeAws {
  readonly endpoint: string;
  /** Actions received, in order (e.g. `DescribeDBInstances`, `PutMetricData`). */
  readonly actions: string[];
  /** Sets the answer for an action (the default answers 400 InvalidAction). */
  on(action: string, answer: Answer | ((count: number) => Answer)): void;
  reset(): void;
  close(): Promise<void>;
}

/** A query-protocol answer (RDS, ElastiCache, ELBv2 share this shape). */
export const queryXml = (action: string, body: string) =>
  `<${action}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><${action}Result>${body}</${action}Result>` +
  `<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`;

/** A Multi-AZ instance as DescribeDBInstances answers it, in `status`, its primary in `az`. */
export const dbInstanceXml = (id: string, status: string, az: string) =>
  queryXml(
    "DescribeDBInstances",
    `<DBInstances><DBInstance><DBInstanceIdentifier>${id}</DBInstanceIdentifier><DBInstanceStatus>${status}</DBInstanceStatus>` +
      `<MultiAZ>true</MultiAZ><AvailabilityZone>${az}</AvailabilityZone><SecondaryAvailabilityZone>eu-west-1b</SecondaryAvailabilityZone>` +
      `<PendingModifiedValues></PendingModifiedValues></DBInstance></DBInstances>`,
  );

export async function fakeAws(): Promise<FakeAws> {
  const actions: string[] = [];
  const answers = new Map<string, Answer | ((count: number) => Answer)>();
  const counts = new Map<string, number>();
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const target = req.headers["x-amz-target"];
      const action =
        typeof target === "string"
          ? (target.split(".").pop() ?? "?")
          : (new URLSearchParams(body).get("Action") ?? "?");
      actions.push(action);
      const count = (counts.get(action) ?? 0) + 1;
      counts.set(action, count);
      const scripted = answers.get(action);
      const answer = typeof scripted === "function" ? scripted(count) : scripted;
      if (answer === "hang") {
        hanging.push(res);
        return;
      }
      if (answer && "xml" in answer) {
        res.writeHead(200, { "content-type": "text/xml" });
        res.end(answer.xml);
      } else if (answer && "json" in answer) {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(answer.json));
      } else if (answer && "html" in answer) {
        res.writeHead(answer.status, { "content-type": "text/html" });
        res.end(answer.html);
      } else {
        res.writeHead(400, { "content-type": "text/xml" });
        res.end(
          `<ErrorResponse><Error><Code>InvalidAction</Code><Message>${action}</Message></Error></ErrorResponse>`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    actions,
    on: (action, answer) => answers.set(action, answer),
    reset: () => {
      actions.length = 0;
      answers.clear();
      counts.clear();
      for (const res of hanging.splice(0)) res.destroy();
    },
    close: async () => {
      for (const res of hanging.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
