// In-memory labelled images, as the data room loads them and the training loop consumes them.
export interface Dataset {
  /** count × height × width × channels values in [0, 1], NHWC. */
  readonly images: Float32Array;
  /** Class index per sample. */
  readonly labels: Int32Array;
  readonly count: number;
  /** [height, width, channels] of one sample. */
  readonly shape: readonly [number, number, number];
  /** Class names, index = label. */
  readonly classes: readonly string[];
  /** Source file per sample, for image folders (lets a confusion matrix link to the file). */
  readonly files?: readonly string[];
}
