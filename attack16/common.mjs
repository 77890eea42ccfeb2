// The attack scripts' shared bits (server, admin key, clients, helpers) are attack15's: its data
// directory and policy notes follow the folder of the script that runs (here /tmp/attack16/d).
export * from '../attack15/common.mjs';
