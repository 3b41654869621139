/** Exported memory */
export declare const memory: WebAssembly.Memory;
// Exported runtime interface
export declare function __new(size: number, id: number): number;
export declare function __pin(ptr: number): number;
export declare function __unpin(ptr: number): void;
export declare function __collect(): void;
export declare const __rtti_base: number;
/**
 * arrays/sumBytes
 * @param data `~lib/typedarray/Uint8Array`
 * @returns `u32`
 */
export declare function sumBytes(data: Uint8Array): number;
/**
 * arrays/sumInt32
 * @param values `~lib/typedarray/Int32Array`
 * @returns `i32`
 */
export declare function sumInt32(values: Int32Array): number;
/**
 * arrays/mean
 * @param values `~lib/typedarray/Float64Array`
 * @returns `f64`
 */
export declare function mean(values: Float64Array): number;
/**
 * arrays/upperBytes
 * @param data `~lib/typedarray/Uint8Array`
 * @returns `~lib/typedarray/Uint8Array`
 */
export declare function upperBytes(data: Uint8Array): Uint8Array;
/**
 * arrays/reverseStatic
 * @param data `~lib/staticarray/StaticArray<u8>`
 * @returns `~lib/staticarray/StaticArray<u8>`
 */
export declare function reverseStatic(data: ArrayLike<number>): ArrayLike<number>;
/**
 * arrays/doubled
 * @param values `~lib/array/Array<i32>`
 * @returns `~lib/array/Array<i32>`
 */
export declare function doubled(values: Array<number>): Array<number>;
/**
 * arrays/sumArray
 * @param values `~lib/array/Array<u8>`
 * @returns `u32`
 */
export declare function sumArray(values: Array<number>): number;
/**
 * arrays/squares
 * @param n `i32`
 * @returns `~lib/typedarray/Int32Array`
 */
export declare function squares(n: number): Int32Array;
/**
 * arrays/scaled
 * @param values `~lib/typedarray/Float64Array`
 * @param k `f64`
 * @returns `~lib/typedarray/Float64Array`
 */
export declare function scaled(values: Float64Array, k: number): Float64Array;
/**
 * arrays/add
 * @param a `i32`
 * @param b `i32`
 * @returns `i32`
 */
export declare function add(a: number, b: number): number;
