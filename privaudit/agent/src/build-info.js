// written by build.sh: SHA-256 of src/core.js + src/index.js
export const SOURCE_SHA256 = "16e027c4dd26534f02859c1d5f3c30a6c64281711d9e8490aaef15c4ab52e667";
