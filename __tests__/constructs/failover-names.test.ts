import {
  failoverLevelName,
  originCertificateNames,
  secondaryOriginName,
} from "../../constructs/dns-failover/failover-names";

describe("failover names", () => {
  it("names the chain's levels", () => {
    expect(failoverLevelName("example.com", 0)).toBe("origin.example.com");
    expect(failoverLevelName("example.com", 2)).toBe("failover-2.origin.example.com");
  });

  it("retries CloudFront on the chain with three regions, on the DR region itself with two, nowhere with one", () => {
    expect(secondaryOriginName("example.com", ["use1", "euw1", "aps1"])).toBe(
      "failover-1.origin.example.com",
    );
    expect(secondaryOriginName("example.com", ["use1", "euw1"])).toBe("euw1.origin.example.com");
    expect(secondaryOriginName("example.com", ["use1"])).toBeUndefined();
  });

  it("covers every name a region answers for in its certificate", () => {
    const codes = ["use1", "euw1", "aps1"];
    expect(originCertificateNames("example.com", codes, 0)).toEqual({
      domainName: "origin.example.com",
      alternativeNames: ["use1.origin.example.com"],
    });
    // Both DR regions can answer for failover-1 (eu-west-1, else ap-south-1).
    for (const i of [1, 2]) {
      expect(originCertificateNames("example.com", codes, i).alternativeNames).toEqual([
        `${codes[i]}.origin.example.com`,
        "failover-1.origin.example.com",
      ]);
    }
    expect(originCertificateNames("example.com", ["use1", "euw1"], 1).alternativeNames).toEqual([
      "euw1.origin.example.com",
    ]);
  });
});
