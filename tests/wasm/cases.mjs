// The shared fixtures through the WASM door. Used by the Node test and by the
// browser page, each passing its own way of reading fixture files.

/** The date every door passes as "today" for MRZ and NIK fixtures. */
export const FIXTURE_TODAY = "2026-11-22";

/** Runs one fixture operation and returns the JSON text the door produced. */
export function runOperation(veriscope, operation, bytes, options) {
  const limits = operation === "nik" || operation === "analyze" ? undefined : options;
  const text = () => new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  try {
    let result;
    switch (operation) {
      case "document-bytes": result = veriscope.checkDocumentBytes(bytes, limits); break;
      case "document-base64": result = veriscope.decodeDocumentBase64(text(), limits).info; break;
      case "document-url": result = veriscope.checkDocumentUrl(text(), limits); break;
      case "verify-request": result = veriscope.checkVerifyRequest(text(), limits); break;
      case "create-verification": result = veriscope.checkCreateVerification(text(), limits); break;
      case "verification": result = veriscope.parseVerification(text()); break;
      case "forgery-response": result = veriscope.parseForgeryResponse(text()); break;
      case "mrz": result = veriscope.parseMrz(text(), FIXTURE_TODAY); break;
      case "nik": result = veriscope.checkNik(text(), options, FIXTURE_TODAY); break;
      case "analyze":
        result = veriscope.analyze(bytes, options);
        result.data.latencyMs = 0; // the one field that depends on the machine
        break;
      default: throw new Error(`unknown operation ${operation}`);
    }
    return JSON.stringify(result);
  } catch (err) {
    if (err && err.body) return JSON.stringify(err.body);
    throw err;
  }
}

/** Parses tests/fixtures/index.tsv. */
export function parseIndex(tsv) {
  return tsv
    .split("\n")
    .filter((line) => line.trim() && !line.startsWith("#"))
    .map((line) => {
      const [operation, input, options, expected] = line.split("\t");
      return { operation, input, options: options === "-" ? null : options, expected };
    });
}

/**
 * Runs every fixture case. `read(path)` returns a Uint8Array of
 * tests/fixtures/<path>. Returns [{input, expected, actual}].
 */
export async function runFixtureCases(veriscope, read) {
  const decode = (bytes) => new TextDecoder().decode(bytes);
  const cases = parseIndex(decode(await read("index.tsv")));
  const results = [];
  for (const c of cases) {
    const options = c.options ? JSON.parse(decode(await read(c.options))) : undefined;
    // Compared as JSON values: JavaScript prints 1.0 as 1.
    const expected = JSON.stringify(JSON.parse(decode(await read(c.expected))));
    const actual = runOperation(veriscope, c.operation, await read(c.input), options);
    results.push({ input: c.input, expected, actual });
  }
  return results;
}
