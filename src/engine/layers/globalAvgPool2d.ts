// GlobalAveragePooling2D: the average pooling kernel over one window the size of the input.
import type { LayerInfo } from '../../model/analysis';
import type { Arena } from '../arena';
import { AvgPool2d } from './avgPool2d';
import { layerOf } from './common';
import { wholeInputWindow } from './globalPool2d';

export class GlobalAvgPool2d extends AvgPool2d {
  constructor(info: LayerInfo, arena: Arena) {
    layerOf(info, 'globalAvgPool2d');
    super(info, arena, wholeInputWindow(info));
  }
}
