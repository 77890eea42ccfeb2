/**
 * Data-loss prevention: find sensitive data in tool arguments and results, as findings (what and
 * where, never the value), mask it for display, and summarise it for the policy engine.
 */
export * from './types';
export { isAbaRoutingValid, isSsnValid, shannonEntropy } from './checksums';
export { hasKnownIin, isCardNumber } from './detectors/card';
export { keyContext, keyWords, type KeyContext } from './keys';
export { detectString, applyMasks, selectDetectors, matchesSelected, type DetectorSelection } from './detect';
export { displayKey, scan, scanValue, scanValueFor, SCAN_DEFAULTS, type ScanOptions, type ScanResult } from './scan';
export { scanAndMask, type ScanAndMaskResult } from './scanAndMask';
export { maskValue, maskedText, maskedToolError, redactWithFindings, TOOL_ERROR_CHARS, type MaskOptions } from './mask';
export { NOT_SCANNED } from './walk';
export * from './facts';
export {
  customDetectorSpec,
  validateCustomDetector,
  compileCustomDetectors,
  type CustomDetector,
  type CustomDetectorSpec,
  type CustomDetectorValidation,
} from './custom/customDetector';
export { REPEAT_CAP } from './custom/regexShape';
