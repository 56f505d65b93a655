// config/network.ts's IPv4 and CIDR parsers, the one pair every caller uses (config keys, NetworkPolicy checks, the
// components' peers, the Ingress host rule, the start-up simulation's reachability). The grammar: RFC 791 dotted
// decimal as Go's net.ParseIP reads it since Go 1.17 (four decimal octets 0-255, no leading zeros, nothing else: its
// parseIPv4, "Reject non-zero components with leading zeroes"), and a CIDR as net.ParseCIDR reads one, plus the
// canonical form Kubernetes' NetworkPolicy validation wants (no bits set past the prefix).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { egressPeer } from "../../components/network-peers";
import { cidrHas, cidrProblem, formatIpv4, ipv4Problem, parseCidr, parseIpv4 } from "../../config/network";
import { ingressHostProblem } from "../../config/platform-limits";
import { inCidr } from "../service-startup";

describe("parseIpv4: dotted decimal as Go's net.ParseIP reads IPv4", () => {
  const good: [string, number][] = [
    ["0.0.0.0", 0],
    ["255.255.255.255", 2 ** 32 - 1],
    ["10.0.0.1", 10 * 2 ** 24 + 1],
    ["169.254.169.254", 0xa9fea9fe],
  ];
  for (const [text, value] of good)
    it(`takes ${text}`, () => {
      assert.equal(parseIpv4(text), value);
      assert.equal(formatIpv4(value), text);
    });
  const bad: [string, RegExp][] = [
    ["256.0.0.1", /octet 256 is over 255/],
    ["010.0.0.1", /leading zero/],
    ["1.2.3", /not four/],
    ["1.2.3.4.5", /not four/],
    ["1.2.3.", /not a decimal octet/],
    ["1..2.3", /not a decimal octet/],
    [" 1.2.3.4", /not a decimal octet/],
    ["1.2.3.4 ", /not a decimal octet/],
    ["+1.2.3.4", /not a decimal octet/],
    ["0x7f.0.0.1", /not a decimal octet/],
    ["1e2.0.0.1", /not a decimal octet/],
    ["١.٢.٣.٤", /not a decimal octet/],
    ["1234.0.0.1", /not a decimal octet|over 255/],
    ["::1", /not four/],
  ];
  for (const [text, reason] of bad)
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.equal(parseIpv4(text), undefined);
      assert.match(ipv4Problem(text) ?? "", reason);
    });
});

describe("parseCidr: net.ParseCIDR's form, canonical", () => {
  it("takes canonical blocks and refuses the rest", () => {
    assert.deepEqual(parseCidr("10.0.0.0/8"), { base: 10 * 2 ** 24, prefix: 8 });
    assert.deepEqual(parseCidr("0.0.0.0/0"), { base: 0, prefix: 0 });
    assert.deepEqual(parseCidr("1.2.3.4/32"), { base: parseIpv4("1.2.3.4"), prefix: 32 });
    for (const [text, reason] of [
      ["10.0.0.1/8", /the block is 10\.0\.0\.0\/8/],
      ["10.0.0.0/33", /prefix/],
      ["10.0.0.0/08", /prefix/],
      ["10.0.0.0/-1", /prefix/],
      ["10.0.0.0/", /prefix/],
      ["10.0.0.0", /no \/prefix/],
      ["10.0.0.0/8/8", /prefix/],
      ["300.0.0.0/8", /over 255/],
    ] as const) {
      assert.equal(parseCidr(text), undefined, text);
      assert.match(cidrProblem(text) ?? "", reason, text);
    }
  });
});

describe("every caller uses them", () => {
  it("the start-up simulation's inCidr: the same answers, and an invalid address throws instead of matching", () => {
    assert.equal(inCidr("10.1.2.3", "10.0.0.0/8"), true);
    assert.equal(inCidr("11.0.0.0", "10.0.0.0/8"), false);
    assert.equal(inCidr("169.254.169.254", "169.254.0.0/16"), true);
    assert.equal(cidrHas(parseCidr("0.0.0.0/0") as never, parseIpv4("8.8.8.8") as number), true);
    // The weaker copy read "10.0.0.999" as 10.0.3.231 and "010.0.0.1" as 10.0.0.1.
    assert.throws(() => inCidr("10.0.0.999", "10.0.0.0/8"), /not an IPv4 address: 10\.0\.0\.999: octet 999/);
    assert.throws(() => inCidr("10.0.0.1", "10.0.0.1/8"), /not a CIDR/);
  });

  it("an egress target's peer: an ipBlock only for a valid address", () => {
    const target = (host: string) => ({ host, port: 443 }) as never;
    assert.deepEqual(egressPeer(target("203.0.113.7"), []), { ipBlock: { cidr: "203.0.113.7/32" } });
    // Four numbers that are no address are a name the resolver would look up, never a /32 of nonsense.
    assert.deepEqual(egressPeer(target("999.1.1.1"), []), { ipBlock: { cidr: "0.0.0.0/0" } });
  });

  it("an Ingress host: an address is refused, four numbers that are no address are judged as a DNS name", () => {
    assert.match(ingressHostProblem("203.0.113.7") ?? "", /is an IP address/);
    assert.doesNotMatch(ingressHostProblem("999.1.1.1") ?? "", /is an IP address/);
  });
});
