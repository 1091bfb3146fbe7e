/**
 * What the header of a PCM container (WAV in its RIFF, RIFX and RF64 forms, AIFF/AIFF-C) says:
 * the shape both readers (wav.ts, aiff.ts) produce and every sample reader consumes. Types only,
 * so the two container readers share them without importing each other.
 */

export interface WavInfo {
  /** The container: WAV (RIFF, RIFX, RF64) or AIFF/AIFF-C. */
  container: 'wav' | 'aiff'
  /** Sample encoding after resolving WAVE_FORMAT_EXTENSIBLE or the AIFF-C compression type. */
  encoding: 'pcm' | 'float' | 'ulaw' | 'alaw'
  /** Bits of one sample's container (8 × bytes per sample: 8, 16, 24, … 64). */
  bitsPerSample: number
  /** Significant bits as the header says (≤ bitsPerSample; left-justified in the container). */
  validBits: number
  /** Multi-byte samples are big-endian (RIFX, AIFF). */
  bigEndian: boolean
  /** PCM samples are unsigned (offset by half the range): WAV ≤ 8 bits, AIFF-C `raw `. */
  unsigned: boolean
  /** Interleaved channel count. */
  channels: number
  /** Samples per second per channel. */
  sampleRate: number
  /** Byte offset of the first sample. */
  dataOffset: number
  /** Bytes of sample data. */
  dataBytes: number
  /** Sample frames (one sample per channel). */
  frames: number
  /** What was wrong but read anyway (a truncated or unsized data chunk), one sentence each. */
  warnings: string[]
  /** Key/values of the metadata chunks (chunk-metadata.ts names the keys). */
  metadata: Record<string, string>
}

export type SampleFormat = Pick<
  WavInfo,
  'encoding' | 'bitsPerSample' | 'bigEndian' | 'unsigned' | 'channels'
>

/** What a container's header says, before the frame count and limits are settled (settle). */
export interface ContainerHeader {
  format: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'frames' | 'warnings' | 'metadata'>
  /** Byte offset of the first sample. */
  dataOffset: number
  /** Bytes of sample data that are there (the claim, or less when the file ends first). */
  dataBytes: number
  /** Why dataBytes is not what the header claims (a truncated or unsized chunk), if it is not. */
  problem?: string
  metadata: Record<string, string>
}

/** Positioned read of up to `length` bytes (fewer at the end of the file). */
export type ReadAt = (position: number, length: number) => Promise<Buffer>
