// Loaded with `node --import`: every resolution of a LangChain package (from ESM) throws, naming
// the module that asked for it, so an import graph that reaches LangChain fails loudly.
import { register } from 'node:module';

const hooks = `
const LANGCHAIN = /^(@langchain\\/|langchain(\\/|$))/;
export async function resolve(specifier, context, next) {
  if (LANGCHAIN.test(specifier)) {
    throw new Error('LangChain loaded: "' + specifier + '" imported from ' + context.parentURL);
  }
  return next(specifier, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
