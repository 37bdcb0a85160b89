/** The part of lz4js (no types of its own) that lz4-block.ts uses: the raw block encoder. */
declare module "lz4js" {
  const lz4js: {
    compressBound(n: number): number;
    compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  };
  export default lz4js;
}
