// What every breakdown shares (types.ts's ExplanationBase without its layer type), built once by explainCell.
import type { Shape } from '../../model/types';
import type { CellPosition, LayerRef, ReceptiveField } from '../../model/explanation';

export interface CellBase {
  readonly layerIndex: number;
  readonly layerName: string;
  readonly outputShape: Shape;
  readonly position: CellPosition;
  readonly value: number;
  readonly receptiveField: ReceptiveField;
  readonly inputs: readonly LayerRef[];
}
