// Explanations of a network's computation for one sample (issue #13): the breakdown of any output cell, saliency
// and Grad-CAM. Pure engine code: the training view, predict results and `cnn explain` all call these.
export { explainCell, explainedValue, formatShape, positionProblem } from './cell';
export { defaultGradCamLayer, gradCam, resizeBilinear, saliency } from './gradients';
export { receptiveField } from './receptiveField';
export type * from '../../model/explanation';
