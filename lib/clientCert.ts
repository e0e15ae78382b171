/**
 * Client certificates for SASL EXTERNAL (CertFP): made here (ECDSA P-256,
 * self-signed: services trust it by its fingerprint alone) or uploaded, checked
 * as a pair, and named by the fingerprints services list. `node:crypto` does
 * not write X.509, so the few DER structures a certificate needs are below.
 *
 * @module
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign, X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";

/** A certificate and its private key, both PEM. */
export interface ClientCertificate {
  certPem: string;
  keyPem: string;
}

/** The fingerprints of a certificate (of its DER), lower-case hex without colons as services take them. */
export interface CertificateFingerprints {
  sha256: string;
  sha512: string;
}

/** Longest PEM text accepted for a certificate or a key (an RSA-8192 key is about 6.4 KB). */
export const MAX_PEM_LENGTH = 16_384;

const YEARS_VALID = 10;

/** Makes a self-signed ECDSA P-256 certificate whose subject is `CN=<commonName>`. */
export function generateClientCertificate(commonName: string, now = new Date()): ClientCertificate {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const ecdsaWithSha256 = der(0x30, oid([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
  const name = der(0x30, der(0x31, der(0x30, oid([0x55, 0x04, 0x03]), der(0x0c, utf8(commonName)))));
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] &= 0x7f; // positive
  serial[0] |= 0x01; // and no leading zero byte to strip
  const until = new Date(now);
  until.setUTCFullYear(until.getUTCFullYear() + YEARS_VALID);
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, new Uint8Array([2]))), // v3
    der(0x02, serial),
    ecdsaWithSha256,
    name,
    der(0x30, time(now), time(until)),
    name,
    spki,
  );
  const signature = new Uint8Array(sign("sha256", tbs, privateKey)); // DER ECDSA-Sig-Value
  const certificate = der(0x30, tbs, ecdsaWithSha256, der(0x03, new Uint8Array([0]), signature));
  return {
    certPem: pem("CERTIFICATE", certificate),
    keyPem: String(privateKey.export({ type: "pkcs8", format: "pem" })),
  };
}

/**
 * Why `certPem` and `keyPem` are not a usable pair (not PEM, not a
 * certificate, not a key, or a key of another certificate), or `undefined`.
 */
export function clientCertificateProblem(certPem: string, keyPem: string): string | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch {
    return "the client certificate is not a PEM X.509 certificate";
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return "the client key is not an unencrypted PEM private key";
  }
  if (!certificate.checkPrivateKey(key)) return "the client key does not belong to the client certificate";
  return undefined;
}

/** The SHA-256 and SHA-512 fingerprints of `certPem`'s first certificate. */
export function certificateFingerprints(certPem: string): CertificateFingerprints {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(certPem)?.[1] ?? "";
  const bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  return {
    sha256: createHash("sha256").update(bytes).digest("hex"),
    sha512: createHash("sha512").update(bytes).digest("hex"),
  };
}

// One DER element: tag, definite length, contents.
function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const lengthBytes = length < 0x80 ? [length] : (() => {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
    return [0x80 | bytes.length, ...bytes];
  })();
  const out = new Uint8Array(1 + lengthBytes.length + length);
  out.set([tag, ...lengthBytes]);
  let at = 1 + lengthBytes.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function oid(encoded: number[]): Uint8Array {
  return der(0x06, new Uint8Array(encoded));
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

// UTCTime through 2049, GeneralizedTime after, as RFC 5280 says.
function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // 2026-12-02T13:46:52.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z"; // 20261202134652Z
  return date.getUTCFullYear() < 2050 ? der(0x17, utf8(digits.slice(2))) : der(0x18, utf8(digits));
}

function pem(label: string, bytes: Uint8Array): string {
  const lines = Buffer.from(bytes).toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
