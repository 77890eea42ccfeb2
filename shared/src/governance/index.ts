export * from './rules';
export * from './builtinPack';
