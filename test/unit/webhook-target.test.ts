import { describe, expect, it } from "vitest";
import { refusedAddressKind, vetWebhookTarget } from "../../src/core/webhooks/webhook-target.js";

describe("webhook targets", () => {
  it("names every refused range, at its edges, and leaves public addresses alone", () => {
    const refused: Array<[string, string]> = [
      ["127.0.0.1", "loopback"],
      ["127.255.255.254", "loopback"],
      ["10.0.0.0", "private"],
      ["172.16.0.1", "private"],
      ["172.31.255.255", "private"],
      ["192.168.0.1", "private"],
      ["169.254.169.254", "link-local"],
      ["100.64.0.0", "carrier-grade NAT"],
      ["100.127.255.255", "carrier-grade NAT"],
      ["0.0.0.0", "unspecified"],
      ["224.0.0.1", "multicast"],
      ["239.255.255.250", "multicast"],
      ["255.255.255.255", "reserved"],
      ["::1", "loopback"],
      ["::", "unspecified"],
      ["fe80::1", "link-local"],
      ["fd00:ec2::254", "unique-local"],
      ["fc00::1", "unique-local"],
      ["ff02::1", "multicast"],
      ["::ffff:127.0.0.1", "loopback"],
      ["::ffff:a9fe:a9fe", "link-local"],
      ["::7f00:1", "IPv4-compatible"],
      ["64:ff9b::a9fe:a9fe", "link-local (through NAT64)"],
      ["64:ff9b::127.0.0.1", "loopback (through NAT64)"],
      ["64:ff9b:1::808:808", "NAT64 local-use"],
      ["2002:a9fe:a9fe::1", "link-local (through 6to4)"],
      ["2002:c0a8:101::", "private (through 6to4)"],
      ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
    ];
    for (const [address, kind] of refused) expect(refusedAddressKind(address), address).toBe(kind);
    for (const address of [
      "8.8.8.8",
      "172.15.255.255",
      "172.32.0.0",
      "100.63.255.255",
      "100.128.0.0",
      "169.253.255.255",
      "223.255.255.255",
      "2001:4860:4860::8888",
      "::ffff:8.8.8.8",
      "64:ff9b::808:808",
      "64:ff9b::8.8.8.8",
      "2002:808:808::1",
      "not an address",
    ]) {
      expect(refusedAddressKind(address), address).toBeNull();
    }
  });

  it("checks every address a name resolves to, accepts a name that does not resolve, and obeys the override", async () => {
    const resolver = (answers: Record<string, string[]>) => ({
      addresses: async (host: string) => {
        const found = answers[host];
        if (!found) throw new Error("ENOTFOUND");
        return found;
      },
    });
    const split = resolver({ "hooks.example.com": ["93.184.215.14", "10.0.0.7"] });
    await expect(vetWebhookTarget("https://hooks.example.com/x", split, false)).rejects.toThrow(
      "url's host hooks.example.com resolves to 10.0.0.7, a private address",
    );
    await expect(vetWebhookTarget("https://hooks.example.com/x", split, true)).resolves.toBeUndefined();
    await expect(vetWebhookTarget("https://nowhere.example/x", split, false)).resolves.toBeUndefined();
    const publicOnly = resolver({
      "hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    });
    await expect(vetWebhookTarget("https://hooks.example.com/x", publicOnly, false)).resolves.toBeUndefined();
  });
});
