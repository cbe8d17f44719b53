import { describe, expect, it } from "vitest";
import { generateClientToken, hashToken, tokenPrefix } from "../../src/core/clients/client-token.js";

describe("client tokens", () => {
  it("digests a token as the SHA-256 hex of its UTF-8 bytes, the form stored databases hold", () => {
    // Known digests (sha256sum): a change of hashing would lock every existing client out.
    expect(hashToken("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashToken("é")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
  });

  it("makes distinct, prefixed tokens", () => {
    const token = generateClientToken();
    expect(token).toMatch(/^spot_[\w-]{43}$/);
    expect(tokenPrefix(token)).toBe(token.slice(0, 12));
    expect(generateClientToken()).not.toBe(token);
  });
});
