/** Receives the bytes of an input in order. The buffer may be reused after the call returns. */
export type ChunkSink = (chunk: Buffer) => void;
