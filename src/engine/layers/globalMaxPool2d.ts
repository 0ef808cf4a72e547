// GlobalMaxPooling2D: the max pooling kernel over one window the size of the input.
import type { LayerInfo } from '../../model/analysis';
import type { Arena } from '../arena';
import { layerOf } from './common';
import { wholeInputWindow } from './globalPool2d';
import { MaxPool2d } from './maxPool2d';

export class GlobalMaxPool2d extends MaxPool2d {
  constructor(info: LayerInfo, arena: Arena) {
    layerOf(info, 'globalMaxPool2d');
    super(info, arena, wholeInputWindow(info));
  }
}
