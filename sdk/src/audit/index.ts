export { AegisExportFileError, verifyExport } from './verifyExport';
export {
  verifyExportOptions,
  type ExportProblem,
  type ExportVerifyResult,
  type VerifyExportOptions,
} from './exportSchemas';
