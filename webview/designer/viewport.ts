// Pan and zoom of a picture inside a fixed-size pane: drag or wheel pans, Ctrl+wheel (a trackpad pinch
// arrives as one) zooms about the pointer, +/− zoom about the centre, fit shows the whole picture.
// The picture is one element with a CSS transform, set once per animation frame, on its own compositing
// layer (will-change): panning moves pixels already drawn instead of drawing the SVG again. A zoom is
// drawn again at its new scale once it stops (else the layer's pixels are only stretched).

export interface Transform {
  readonly x: number;
  readonly y: number;
  readonly k: number;
}

export interface Bounds {
  readonly width: number;
  readonly height: number;
}

const MIN_K = 0.05;
const MAX_K = 3;
const PAD = 16;

export class Viewport {
  private t: Transform = { x: 0, y: 0, k: 1 };
  private content: Bounds = { width: 0, height: 0 };
  private frame = 0;
  private sharpenTimer: number | undefined;
  private rasterK = 1;
  private readonly listeners = new Set<(t: Transform) => void>();
  /** True while a drag moved the picture: the click that ends it selects nothing. */
  private dragged = false;

  constructor(
    private readonly pane: HTMLElement,
    private readonly target: SVGSVGElement,
  ) {
    pane.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    // The pane resized (split handle, editor group): keep the picture's centre where it was.
    let last = { width: pane.clientWidth, height: pane.clientHeight };
    new ResizeObserver(() => {
      const now = { width: pane.clientWidth, height: pane.clientHeight };
      if (last.width && last.height) this.panBy((now.width - last.width) / 2, (now.height - last.height) / 2);
      last = now;
    }).observe(pane);
    pane.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    // A drag that moved is not a click on the node under the pointer.
    pane.addEventListener('click', (e) => {
      if (this.dragged) {
        e.stopPropagation();
        this.dragged = false;
      }
    }, true);
  }

  get transform(): Transform {
    return this.t;
  }

  get size(): Bounds {
    return { width: this.pane.clientWidth, height: this.pane.clientHeight };
  }

  onChange(listener: (t: Transform) => void): void {
    this.listeners.add(listener);
  }

  setContent(bounds: Bounds): void {
    this.content = bounds;
  }

  set(t: Transform): void {
    this.t = { x: t.x, y: t.y, k: Math.min(MAX_K, Math.max(this.minK(), t.k)) };
    if (!this.frame) this.frame = requestAnimationFrame(() => this.apply());
  }

  panBy(dx: number, dy: number): void {
    this.set({ ...this.t, x: this.t.x + dx, y: this.t.y + dy });
  }

  /** Zooms by `factor` keeping the content point under (px, py) — pane coordinates — where it is. */
  zoomAt(factor: number, px: number, py: number): void {
    const k = Math.min(MAX_K, Math.max(this.minK(), this.t.k * factor));
    const f = k / this.t.k;
    this.set({ k, x: px - (px - this.t.x) * f, y: py - (py - this.t.y) * f });
  }

  zoomBy(factor: number): void {
    const { width, height } = this.size;
    this.zoomAt(factor, width / 2, height / 2);
  }

  /** Zooming out stops at MIN_K, or where the whole picture shows when that is smaller (a 2,000-layer column). */
  private minK(): number {
    return Math.min(MIN_K, this.fitScale());
  }

  private fitScale(): number {
    const { width, height } = this.size;
    const c = this.content;
    if (!c.width || !c.height || !width || !height) return 1;
    return Math.min(1, (width - 2 * PAD) / c.width, (height - 2 * PAD) / c.height);
  }

  /** The whole picture in the pane, no larger than life size. */
  fit(): void {
    const { width, height } = this.size;
    const c = this.content;
    if (!c.width || !c.height || !width || !height) return;
    const k = this.fitScale();
    this.set({ k, x: (width - c.width * k) / 2, y: Math.max(PAD, (height - c.height * k) / 2) });
  }

  /** Fit when that leaves the text readable (scale ≥ `minK`), else life size from the top, centred. */
  initial(minK = 0.55): void {
    this.fit();
    if (this.t.k >= minK) return;
    const { width } = this.size;
    this.set({ k: 1, x: (width - this.content.width) / 2, y: PAD });
  }

  /** Moves the point (content coordinates) to the pane's centre, unless a node there (half-size mx × my) shows whole. */
  reveal(x: number, y: number, mx = 85, my = 35): void {
    const { width, height } = this.size;
    const sx = this.t.x + x * this.t.k;
    const sy = this.t.y + y * this.t.k;
    const kx = mx * this.t.k;
    const ky = my * this.t.k;
    if (sx >= kx && sx <= width - kx && sy >= ky && sy <= height - ky) return;
    this.set({ ...this.t, x: width / 2 - x * this.t.k, y: height / 2 - y * this.t.k });
  }

  private apply(): void {
    this.frame = 0;
    const t = this.t;
    this.target.style.transform = `translate(${t.x.toFixed(1)}px,${t.y.toFixed(1)}px) scale(${t.k.toFixed(4)})`;
    if (t.k !== this.rasterK) {
      window.clearTimeout(this.sharpenTimer);
      this.sharpenTimer = window.setTimeout(() => this.sharpen(), 160);
    }
    for (const l of this.listeners) l(t);
  }

  /** Draws the layer again at the current scale: off its own layer for one frame, then back on. */
  private sharpen(): void {
    this.rasterK = this.t.k;
    this.target.style.willChange = 'auto';
    requestAnimationFrame(() => {
      this.target.style.willChange = 'transform';
    });
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const rect = this.pane.getBoundingClientRect();
    // Lines or pages (a mouse wheel in some browsers) → pixels.
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? rect.height : 1;
    if (e.ctrlKey || e.metaKey) this.zoomAt(Math.exp((-e.deltaY * unit) / 300), e.clientX - rect.left, e.clientY - rect.top);
    else if (e.shiftKey && e.deltaX === 0) this.panBy(-e.deltaY * unit, 0);
    else this.panBy(-e.deltaX * unit, -e.deltaY * unit);
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0 || (e.target instanceof Element && e.target.closest('button, vscode-button, .minimap'))) return;
    const start = { x: e.clientX, y: e.clientY, t: this.t };
    this.dragged = false;
    const move = (ev: PointerEvent): void => {
      const dx = ev.clientX - start.x;
      const dy = ev.clientY - start.y;
      if (!this.dragged && Math.hypot(dx, dy) < 4) return;
      if (!this.dragged) {
        this.dragged = true;
        this.pane.setPointerCapture(e.pointerId);
        this.pane.classList.add('panning');
      }
      this.set({ ...start.t, x: start.t.x + dx, y: start.t.y + dy });
    };
    const up = (): void => {
      this.pane.removeEventListener('pointermove', move);
      this.pane.removeEventListener('pointerup', up);
      this.pane.removeEventListener('pointercancel', up);
      this.pane.classList.remove('panning');
    };
    this.pane.addEventListener('pointermove', move);
    this.pane.addEventListener('pointerup', up);
    this.pane.addEventListener('pointercancel', up);
  }
}
