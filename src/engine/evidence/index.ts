export { judgeArtifact, type ArtifactVerdict } from "./verdict.js";
export { compareRpms, RPM_IGNORED_TAGS, RpmToolError } from "./rpm-compare.js";
export { runDiffoscope, DiffoscopeError, type DiffoscopeOptions } from "./diffoscope.js";
export {
  loadOrCreateSigningKey,
  signingKeyFromSeed,
  signingKeyFromPkcs8,
  pkcs8V2Der,
  privateKeyPem,
  publicKeyPem,
  publicKeyFromPem,
  keyIdOf,
  verifySignature,
  SigningKeyError,
  type KeyFileFormat,
  type SigningKey,
} from "./signing-key.js";
export { canonicalJson, signingMessage, CanonicalJsonError } from "./canonical-json.js";
export { createLinkAttestation, cosignAttestation, verifyAttestation, AttestationError, type ArtifactFile } from "./attestation.js";
