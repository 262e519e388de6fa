import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findPii, ibanChecksum, luhn, type PiiKind, redactPii } from "./pii.js";
import { StreamRedactor } from "./stream.js";

/** Per kind: texts that must be found (the match itself), and near misses that must not. */
export const SAMPLES: Record<PiiKind, { hits: string[]; misses: string[] }> = {
  email: {
    hits: ["jane.doe@example.com", "a+tag@mail.co.uk", "x_y%z@sub-domain.example.org"],
    misses: ["jane.doe@example", "@example.com", "jane@.com", "name at example dot com"],
  },
  phone: {
    hits: ["+1 415 555 0100", "(415) 555-0100", "415-555-0100", "+44 20 7946 0958"],
    misses: ["555-0100", "2026-11-24", "12.34.56", "v1.2.3"],
  },
  credit_card: {
    hits: ["4111 1111 1111 1111", "4111-1111-1111-1111", "5500005555555559", "378282246310005"],
    misses: ["4111 1111 1111 1112", "1234567890123", "4111 1111 1111"],
  },
  iban: {
    hits: ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR14 2004 1010 0505 0001 3M02 606"],
    misses: ["DE89 3704 0044 0532 0130 01", "XX00 1234 5678", "GB82WEST1234"],
  },
  us_ssn: {
    hits: ["123-45-6789", "078-05-1120"],
    misses: ["000-12-3456", "666-12-3456", "923-45-6789", "123-00-4567", "123-45-0000", "1234-56-7890"],
  },
  ip_address: {
    hits: ["192.168.1.20", "10.0.0.1", "255.255.255.255"],
    misses: ["256.1.1.1", "1.2.3", "192.168.1.300", "1.2.3.4.5"],
  },
  api_key: {
    hits: ["sk-proj-abcdefghijklmnopqrstuvwx", "AKIAIOSFODNN7EXAMPLE", `ghp_${"a".repeat(36)}`, "sk-sy-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"],
    misses: ["sk-short", "AKIA123", "ghp_tooShort", "task-list-of-things"],
  },
  jwt: {
    hits: ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
    misses: ["eyJhbGciOiJIUzI1NiJ9", "eyJ.eyJ.x", "header.payload.signature"],
  },
};

const ALL = Object.keys(SAMPLES) as PiiKind[];

describe("PII samples per kind", () => {
  for (const kind of ALL) {
    it(`finds ${kind} in a sentence and redacts it as [${kind.toUpperCase()}]`, () => {
      for (const sample of SAMPLES[kind].hits) {
        const text = `Please note: ${sample}, thanks.`;
        const found = findPii(text, ALL);
        assert.deepEqual(
          found.map((m) => [m.kind, text.slice(m.start, m.end)]),
          [[kind, sample]],
          `in ${JSON.stringify(text)}`,
        );
        assert.equal(redactPii(text, ALL).text, `Please note: [${kind.toUpperCase()}], thanks.`);
      }
    });
    it(`leaves near misses of ${kind} alone`, () => {
      for (const sample of SAMPLES[kind].misses) {
        const text = `Please note: ${sample}, thanks.`;
        assert.deepEqual(
          findPii(text, ALL).filter((m) => m.kind === kind),
          [],
          `in ${JSON.stringify(text)}`,
        );
      }
    });
  }

  it("looks only for the kinds asked for, and counts each", () => {
    const text = "mail a@b.io or c@d.io, card 4111111111111111";
    assert.deepEqual(redactPii(text, ["email"]), { text: "mail [EMAIL] or [EMAIL], card 4111111111111111", counts: { email: 2 } });
    assert.deepEqual(redactPii(text, ALL).counts, { email: 2, credit_card: 1 });
  });

  it("checks card numbers with Luhn and IBANs with mod 97", () => {
    assert.ok(luhn("4111111111111111"));
    assert.ok(!luhn("4111111111111112"));
    assert.ok(ibanChecksum("DE89370400440532013000"));
    assert.ok(!ibanChecksum("DE89370400440532013001"));
  });
});

describe("redaction of a stream", () => {
  const text =
    "Reach jane.doe@example.com or +1 415 555 0100; card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, ssn 123-45-6789, " +
    "host 192.168.1.20, key sk-proj-abcdefghijklmnopqrstuvwx, token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end.";
  const whole = redactPii(text, ALL);

  it("gives the same text as redacting it whole, however it is split in two", () => {
    for (let at = 0; at <= text.length; at++) {
      const redactor = new StreamRedactor(ALL);
      const out = redactor.push(text.slice(0, at)) + redactor.push(text.slice(at)) + redactor.flush();
      assert.equal(out, whole.text, `split at ${at}`);
      assert.deepEqual(redactor.counts, whole.counts, `split at ${at}`);
    }
  });

  it("gives the same text one character at a time, and leaks no match", () => {
    const redactor = new StreamRedactor(ALL);
    let out = "";
    for (const char of text) {
      out += redactor.push(char);
      for (const kind of ALL) for (const sample of SAMPLES[kind].hits) assert.ok(!out.includes(sample));
    }
    assert.equal(out + redactor.flush(), whole.text);
  });

  it("holds back nothing after plain words", () => {
    const redactor = new StreamRedactor(ALL);
    assert.equal(redactor.push("Hello there, how are you? "), "Hello there, how are you? ");
    assert.equal(redactor.holding, 0);
    redactor.push("Call 415");
    assert.ok(redactor.holding <= "415".length + 1, `held ${redactor.holding}`);
  });
});
