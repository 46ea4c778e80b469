/* The document viewer (issue 13): a letter's PDFs (through PDF.js, loaded only when a document opens) and
 * its JPEG/PNG images on one canvas, with page thumbnails, zoom, rotation and print. A print is counted by
 * the server (viewer_print) before the browser prints; when the server refuses, nothing is printed.
 * Strict CSP: no inline code or style attributes (sizes are set through the CSSOM), PDF.js's worker is
 * a same-origin module, no eval (isEvalSupported) and no WebAssembly (useWasm: its JS decoders instead). */

const ZOOMS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];
const THUMB_WIDTH = 110;
const PRINT_SCALE = 150 / 72; // 150 dpi
const DIGITS = "۰۱۲۳۴۵۶۷۸۹";

const fa = (n) => String(n).replace(/\d/g, (d) => DIGITS[d]);

let pdfjsLib = null;
async function loadPdfjs(root) {
  if (!pdfjsLib) {
    pdfjsLib = await import(root.dataset.pdfjs);
    pdfjsLib.GlobalWorkerOptions.workerSrc = root.dataset.worker;
  }
  return pdfjsLib;
}

/* A PDF: pages drawn by PDF.js. */
class PdfDocument {
  constructor(pdf) { this.pdf = pdf; this.pages = pdf.numPages; }
  async viewport(number, scale, rotation) {
    const page = await this.pdf.getPage(number);
    return { page, viewport: page.getViewport({ scale, rotation }) };
  }
  async size(number, rotation) {
    const { viewport } = await this.viewport(number, 1, rotation);
    return { width: viewport.width, height: viewport.height };
  }
  async draw(number, canvas, scale, rotation, ratio, intent) {
    const { page, viewport } = await this.viewport(number, scale, rotation);
    sizeCanvas(canvas, viewport.width, viewport.height, ratio);
    const task = page.render({ canvas, viewport, intent: intent || "display",
                               transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null });
    canvas._task = task;
    await task.promise;
  }
  destroy() { this.pdf.destroy(); }
}

/* A JPEG or PNG: one page, drawn (rotated) on the same canvas as a PDF's pages. */
class ImageDocument {
  constructor(bitmap) { this.bitmap = bitmap; this.pages = 1; }
  async size(_number, rotation) {
    const turned = rotation % 180 !== 0;
    return { width: turned ? this.bitmap.height : this.bitmap.width,
             height: turned ? this.bitmap.width : this.bitmap.height };
  }
  async draw(number, canvas, scale, rotation, ratio) {
    const { width, height } = await this.size(number, rotation);
    sizeCanvas(canvas, width * scale, height * scale, ratio);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio * scale, 0, 0, ratio * scale, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.translate(width / 2, height / 2);
    ctx.rotate((rotation * Math.PI) / 180);
    ctx.drawImage(this.bitmap, -this.bitmap.width / 2, -this.bitmap.height / 2);
  }
  destroy() { this.bitmap.close(); }
}

function sizeCanvas(canvas, width, height, ratio) {
  canvas.width = Math.max(1, Math.floor(width * ratio));
  canvas.height = Math.max(1, Math.floor(height * ratio));
  canvas.style.width = Math.floor(width) + "px";
  canvas.style.height = Math.floor(height) + "px";
}

class Viewer {
  constructor(root) {
    this.root = root;
    this.canvas = root.querySelector("[data-viewer-canvas]");
    this.stage = root.querySelector("[data-viewer-stage]");
    this.thumbs = root.querySelector("[data-viewer-thumbs]");
    this.status = root.querySelector("[data-viewer-status]");
    this.doc = null;
    this.generation = 0;
    this.renderId = 0;
    this.drawing = Promise.resolve();
    root.querySelectorAll("[data-act]").forEach((button) => {
      button.addEventListener("click", () => this.act(button.dataset.act));
    });
    this.stage.addEventListener("keydown", (event) => this.key(event));
    window.addEventListener("resize", () => { if (this.doc && this.fit) this.fitWidth(); });
    if (window.matchMedia("(max-width: 575.98px)").matches) this.showThumbs(false);
  }

  say(text) { this.status.textContent = text; }

  async open({ src, title, download }) {
    const generation = ++this.generation;
    this.close();
    if (title !== undefined) this.root.querySelector("[data-viewer-title]").textContent = title;
    const link = this.root.querySelector("[data-viewer-download]");
    if (download) link.href = download;
    this.root.dataset.state = "loading";
    this.say("در حال باز کردن سند…");
    let doc;
    try {
      doc = await this.load(src);
    } catch (error) {
      if (generation !== this.generation) return;
      this.root.dataset.state = "error";
      this.say(error.persian || "این سند باز نشد؛ می‌توانید پرونده را دریافت کنید.");
      return;
    }
    if (generation !== this.generation) { doc.destroy(); return; }
    this.doc = doc;
    this.number = 1;
    this.rotation = 0;
    this.fit = true;
    this.say("");
    await this.fitWidth();
    this.root.dataset.state = "ready";
    this.root.dataset.pages = String(doc.pages);
    this.drawThumbs(generation);
  }

  async load(src) {
    const response = await fetch(src, { credentials: "same-origin" });
    if (!response.ok) {
      const error = new Error(String(response.status));
      error.persian = response.status === 404
        ? "این سند پیدا نشد یا اجازه دیدن آن را ندارید."
        : "سند از سرور دریافت نشد؛ دوباره تلاش کنید.";
      throw error;
    }
    const type = (response.headers.get("content-type") || "").split(";")[0].trim();
    if (type.startsWith("image/")) {
      return new ImageDocument(await createImageBitmap(await response.blob()));
    }
    const lib = await loadPdfjs(this.root);
    const base = this.root.dataset.pdfjsBase;
    const task = lib.getDocument({
      data: new Uint8Array(await response.arrayBuffer()),
      cMapUrl: base + "cmaps/", standardFontDataUrl: base + "standard_fonts/", wasmUrl: base + "wasm/",
      useWasm: false, isEvalSupported: false, enableXfa: false,
      // Glyphs drawn as paths: through the browser's font loading, chromium spaced and dropped the
      // letters of Persian text set by WeasyPrint (poppler draws the same file right).
      disableFontFace: true,
    });
    task.onPassword = () => {
      task.destroy();
    };
    try {
      return new PdfDocument(await task.promise);
    } catch (error) {
      error.persian = error && error.name === "PasswordException"
        ? "این PDF گذرواژه دارد و در نمایشگر باز نمی‌شود؛ آن را دریافت کنید."
        : "این PDF خوانده نشد؛ می‌توانید پرونده را دریافت کنید.";
      throw error;
    }
  }

  close() {
    this.renderId++;
    if (this.canvas._task) this.canvas._task.cancel();
    if (this.doc) this.doc.destroy();
    this.doc = null;
    this.thumbs.replaceChildren();
    delete this.root.dataset.pages;
    delete this.root.dataset.drawn;
    delete this.root.dataset.thumbs;
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.root.querySelector("[data-viewer-page]").textContent = "—";
    this.root.querySelector("[data-viewer-zoom]").textContent = "—";
  }

  /* The page at the stage's width (the scale a reader starts from). */
  async fitWidth() {
    const size = await this.doc.size(this.number, this.rotation);
    const styles = getComputedStyle(this.stage);
    const room = this.stage.clientWidth - parseFloat(styles.paddingLeft) - parseFloat(styles.paddingRight) - 4;
    this.fit = true;
    this.scale = Math.max(0.1, room / size.width);
    return this.render();
  }

  async render() {
    if (!this.doc) return;
    if (this.canvas._task) this.canvas._task.cancel();
    const number = this.number;
    this.root.querySelector("[data-viewer-page]").textContent = `${fa(number)} از ${fa(this.doc.pages)}`;
    this.root.querySelector("[data-viewer-zoom]").textContent = `${fa(Math.round(this.scale * 100))}٪`;
    this.canvas.setAttribute("aria-label", `صفحه ${fa(number)} از ${fa(this.doc.pages)}`);
    this.root.dataset.page = String(number);
    this.root.dataset.rotation = String(this.rotation);
    this.root.dataset.scale = this.scale.toFixed(3);
    this.thumbs.querySelectorAll(".viewer-thumb").forEach((thumb) => {
      if (Number(thumb.dataset.page) === number) thumb.setAttribute("aria-current", "page");
      else thumb.removeAttribute("aria-current");
    });
    this.root.querySelector("[data-act=prev]").disabled = number <= 1;
    this.root.querySelector("[data-act=next]").disabled = number >= this.doc.pages;
    // One drawing at a time on the stage's canvas (PDF.js refuses two): a newer request cancels the one
    // drawing now and the ones waiting are skipped.
    const id = ++this.renderId;
    const doc = this.doc;
    const scale = this.scale;
    const rotation = this.rotation;
    this.drawing = this.drawing.then(async () => {
      if (id !== this.renderId || doc !== this.doc) return;
      try {
        await doc.draw(number, this.canvas, scale, rotation, window.devicePixelRatio || 1);
        if (id === this.renderId) this.root.dataset.drawn = `${number}:${rotation}:${scale.toFixed(3)}`;
      } catch (error) {
        if (!error || error.name !== "RenderingCancelledException") this.say("این صفحه نمایش داده نشد.");
      }
    });
    return this.drawing;
  }

  async drawThumbs(generation) {
    const doc = this.doc;
    const buttons = [];
    for (let number = 1; number <= doc.pages; number++) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "viewer-thumb";
      button.dataset.page = String(number);
      button.setAttribute("aria-label", `رفتن به صفحه ${fa(number)}`);
      const canvas = document.createElement("canvas");
      const label = document.createElement("span");
      label.textContent = fa(number);
      button.append(canvas, label);
      button.addEventListener("click", () => this.go(number));
      buttons.push(button);
    }
    this.thumbs.replaceChildren(...buttons);
    if (buttons.length) buttons[this.number - 1].setAttribute("aria-current", "page");
    for (const button of buttons) {
      if (generation !== this.generation || this.doc !== doc) return;
      const number = Number(button.dataset.page);
      const size = await doc.size(number, this.rotation);
      try {
        await doc.draw(number, button.querySelector("canvas"), THUMB_WIDTH / size.width, this.rotation, 1);
      } catch { /* a page that does not draw keeps its empty frame */ }
    }
    if (generation === this.generation) this.root.dataset.thumbs = String(buttons.length);
  }

  go(number) {
    if (!this.doc || number < 1 || number > this.doc.pages) return;
    this.number = number;
    return this.fit ? this.fitWidth() : this.render();
  }

  zoom(step) {
    const next = step > 0 ? ZOOMS.find((z) => z > this.scale + 0.01) : [...ZOOMS].reverse().find((z) => z < this.scale - 0.01);
    if (next === undefined) return;
    this.fit = false;
    this.scale = next;
    return this.render();
  }

  showThumbs(show) {
    this.thumbs.hidden = !show;
    this.root.querySelector("[data-act=thumbs]").setAttribute("aria-pressed", String(show));
  }

  act(name) {
    if (name === "close") { this.root.closest("dialog").close(); return; }
    if (name === "thumbs") { this.showThumbs(this.thumbs.hidden); if (this.doc && this.fit) this.fitWidth(); return; }
    if (!this.doc) return;
    if (name === "prev") this.go(this.number - 1);
    else if (name === "next") this.go(this.number + 1);
    else if (name === "zoom-in") this.zoom(1);
    else if (name === "zoom-out") this.zoom(-1);
    else if (name === "fit") this.fitWidth();
    else if (name === "rotate") {
      this.rotation = (this.rotation + 90) % 360;
      (this.fit ? this.fitWidth() : this.render()).then(() => this.drawThumbs(this.generation));
    } else if (name === "print") this.print();
  }

  key(event) {
    // Right to left: the left arrow goes forward, as a Persian book's pages turn.
    const moves = { ArrowLeft: 1, PageDown: 1, ArrowRight: -1, PageUp: -1 };
    if (event.key in moves) { this.go(this.number + moves[event.key]); event.preventDefault(); }
    else if (event.key === "+" || event.key === "=") { this.zoom(1); event.preventDefault(); }
    else if (event.key === "-") { this.zoom(-1); event.preventDefault(); }
  }

  /* Count the print on the server first (pages of the document, copies asked), then print every page. */
  async print() {
    const copies = this.root.querySelector("[data-viewer-copies]");
    const typed = copies.value.trim().replace(/[۰-۹]/g, (d) => DIGITS.indexOf(d)).replace(/[٠-٩]/g, (d) => "٠١٢٣٤٥٦٧٨٩".indexOf(d));
    const wanted = /^\d{1,4}$/.test(typed) ? Number(typed) : NaN;
    const [least, most] = [Number(copies.dataset.min), Number(copies.dataset.max)];
    if (!(wanted >= least && wanted <= most)) {
      // The server refuses it too; said here without a round trip.
      this.say(`شمار نسخه‌ها باید از ${fa(least)} تا ${fa(most)} باشد.`);
      copies.focus();
      return;
    }
    const body = new FormData();
    body.append("pages", String(this.doc.pages));
    body.append("copies", String(wanted));
    this.say("در حال آماده کردن چاپ…");
    let answer;
    try {
      answer = await fetch(this.root.dataset.printUrl, {
        method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": this.root.dataset.csrf },
      });
    } catch {
      this.say("اتصال به سرور برقرار نشد؛ چاپ انجام نشد.");
      return;
    }
    const reply = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      this.say(reply.error || "چاپ ثبت نشد؛ دوباره تلاش کنید.");
      if (reply.field === "copies") copies.focus();
      return;
    }
    const sheet = document.createElement("div");
    sheet.className = "viewer-print-pages";
    const urls = [];
    for (let number = 1; number <= this.doc.pages; number++) {
      const canvas = document.createElement("canvas");
      await this.doc.draw(number, canvas, PRINT_SCALE, this.rotation, 1, "print");
      const blob = await new Promise((done) => canvas.toBlob(done, "image/png"));
      const img = document.createElement("img");
      img.alt = `صفحه ${fa(number)}`;
      img.src = URL.createObjectURL(blob);
      urls.push(img.src);
      sheet.append(img);
    }
    document.body.append(sheet);
    await Promise.all([...sheet.querySelectorAll("img")].map((img) => img.decode().catch(() => null)));
    this.say(`چاپ ثبت شد: ${fa(reply.pages)} صفحه، ${fa(reply.copies)} نسخه.`);
    document.body.classList.add("viewer-printing");
    const done = () => {
      document.body.classList.remove("viewer-printing");
      sheet.remove();
      urls.forEach((url) => URL.revokeObjectURL(url));
    };
    window.addEventListener("afterprint", done, { once: true });
    window.print();
    // window.print() returns when the dialog closes; headless browsers fire no afterprint.
    setTimeout(() => { if (sheet.isConnected) done(); }, 1000);
  }
}

/* The letter page: one dialog, opened in place by every [data-viewer-open] link (the link itself leads to
 * the viewer's own page when scripts are off or it is opened in a new tab). */
function initDialog() {
  const dialog = document.getElementById("viewer-dialog");
  if (!dialog) return;
  const viewer = new Viewer(dialog.querySelector("[data-viewer]"));
  let opener = null;
  document.querySelectorAll("[data-viewer-open]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      opener = link;
      dialog.showModal();
      viewer.open({ src: link.dataset.src, title: link.dataset.title, download: link.dataset.download });
      viewer.stage.focus();
    });
  });
  dialog.addEventListener("close", () => {
    viewer.generation++;
    viewer.close();
    if (opener) opener.focus();
  });
}

/* The viewer's own page: the document named in data-src opens at once. */
function initPage() {
  document.querySelectorAll("[data-viewer][data-src]").forEach((root) => {
    if (root.closest("dialog")) return;
    new Viewer(root).open({ src: root.dataset.src });
  });
}

initDialog();
initPage();
