// Suggestions after "@" in the composer (see mentions.py): the room's people whose names start with what follows
// the "@", in a list above the input. Up/Down choose, Enter or Tab pick, Escape closes; a pick writes "@Name " into
// the input and tells the server whom it meant. The people come from the server when "@" is typed, and again only
// for a longer prefix when its first answer was cut, so typing costs no round trip per key. Names are text nodes.
const SHOWN = 8;
const FRESH_MS = 15000;
const LONGEST = 32;

export default {
  props: { input: String, hint: String },
  template: `
    <div>
      <div v-if="open && matches.length" class="chat-mention-list" role="listbox" :id="listId"
        aria-label="People to mention">
        <div v-for="(p, i) in matches" :key="p[1]" :id="listId + '-' + i" role="option"
          :aria-selected="String(i === active)" :class="['chat-mention-option', { active: i === active }]"
          :data-token="p[1]" @mousedown.prevent="pick(p)">
          <span class="chat-mention-name">{{ p[0] }}</span><span class="chat-mention-tag" :data-tag="'#' + p[2]"
            :title="'#' + p[2] + ' tells apart people with the same name'"></span>
        </div>
      </div>
      <div v-if="shownHint" class="chat-mention-hint" role="status">{{ shownHint }}</div>
    </div>
  `,
  data() {
    return { open: false, query: null, known: null, active: 0, shownHint: this.hint };
  },
  computed: {
    listId() {
      return `${this.input}-mentions`;
    },
    matches() {
      if (!this.query || !this.known) return [];
      const typed = this.query.text.toLowerCase();
      return this.known.people.filter((p) => p[0].toLowerCase().startsWith(typed)).slice(0, SHOWN);
    },
  },
  watch: {
    input() {
      this.attach();
    },
    hint(now) {
      this.shownHint = now;
    },
    matches() {
      this.active = 0;
      this.describe();
    },
    open() {
      this.describe();
    },
    active() {
      this.describe();
    },
  },
  mounted() {
    this.attach();
  },
  unmounted() {
    clearTimeout(this.retry);
    this.detach?.();
  },
  methods: {
    attach() {
      this.detach?.();
      const found = this.input && document.getElementById(this.input); // Quasar gives the id to the native input
      const field = found && (found.matches("input, textarea") ? found : found.querySelector("input, textarea"));
      if (!field) {
        // the composer comes after this element: on the page's first render it is not there yet
        if (this.input) this.retry = setTimeout(() => this.attach(), 50);
        return;
      }
      const root = field.closest(".q-field") ?? field;
      this.field = field;
      field.setAttribute("aria-autocomplete", "list");
      const typed = () => this.typed();
      const key = (event) => this.key(event);
      const close = () => this.close();
      field.addEventListener("input", typed);
      field.addEventListener("click", typed);
      field.addEventListener("blur", close);
      root.addEventListener("keydown", key, true); // before the composer's Enter, which would send
      this.detach = () => {
        field.removeEventListener("input", typed);
        field.removeEventListener("click", typed);
        field.removeEventListener("blur", close);
        root.removeEventListener("keydown", key, true);
      };
    },
    typed() {
      this.shownHint = "";
      if (this.justPicked) {
        this.justPicked = false;
        return this.close();
      }
      const query = this.mention();
      if (!query) return this.close();
      this.query = query;
      this.open = true;
      this.lookUp(query.text.toLowerCase());
    },
    mention() {
      // "@" at the start or after a character that is not a letter or digit, then what is typed up to the caret
      const text = this.field.value;
      const caret = this.field.selectionStart ?? text.length;
      const before = text.slice(Math.max(0, caret - LONGEST - 1), caret);
      const at = before.lastIndexOf("@");
      if (at < 0) return null;
      const start = caret - before.length + at;
      if (start > 0 && /[\p{L}\p{N}]/u.test(text[start - 1])) return null;
      return { start, end: caret, text: text.slice(start + 1, caret) };
    },
    lookUp(prefix) {
      const known = this.known;
      const covers = known && prefix.startsWith(known.prefix) && (known.complete || prefix === known.prefix);
      if (covers && Date.now() - known.at < FRESH_MS) return;
      if (this.asking && Date.now() - this.asking < 2000) return;
      this.asking = Date.now();
      this.$emit("people", prefix);
    },
    people(data) {
      this.asking = 0;
      this.known = { prefix: data.prefix, people: data.people, complete: data.complete, at: Date.now() };
    },
    key(event) {
      if (!this.open || !this.matches.length || event.isComposing) return;
      const count = this.matches.length;
      if (event.key === "ArrowDown") this.active = (this.active + 1) % count;
      else if (event.key === "ArrowUp") this.active = (this.active + count - 1) % count;
      else if (event.key === "Enter" || event.key === "Tab") this.pick(this.matches[this.active]);
      else if (event.key === "Escape") this.close();
      else return;
      event.preventDefault();
      event.stopImmediatePropagation();
    },
    pick(person) {
      const { start, end } = this.query;
      const text = this.field.value;
      const inserted = `@${person[0]} `;
      this.field.value = text.slice(0, start) + inserted + text.slice(end);
      const caret = start + inserted.length;
      this.field.setSelectionRange(caret, caret);
      this.justPicked = true;
      this.field.dispatchEvent(new Event("input", { bubbles: true })); // the input's model, and the server, follow
      this.$emit("pick", person[1]);
      this.close();
    },
    close() {
      this.open = false;
      this.query = null;
    },
    describe() {
      // the input says which suggestion is active, so a screen reader reads it while focus stays in the input
      if (!this.field) return;
      const shown = this.open && this.matches.length;
      this.field.setAttribute("aria-expanded", String(Boolean(shown)));
      if (shown) {
        this.field.setAttribute("aria-controls", this.listId);
        this.field.setAttribute("aria-activedescendant", `${this.listId}-${this.active}`);
      } else {
        this.field.removeAttribute("aria-activedescendant");
      }
    },
  },
};
