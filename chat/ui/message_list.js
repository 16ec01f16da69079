// The message list of one tab (see message_list.py): merges the first page, the room's live stream and the
// replies to its own requests by message id, and draws each message as text nodes and links, never as HTML.
// An edited or deleted message arrives again under its id and replaces the earlier state. Own bubbles have a
// menu (Edit, Delete), and in a moderator's tab every bubble has one with Remove; the edit happens in the bubble,
// and the server answers each request (`answered`).
// Under every bubble its reactions are chips (the tab's own found by its token); a chip toggles the tab's own,
// the add button opens the fixed set. Chips and buttons draw their glyphs from attributes, so a bubble's text
// is its message alone. Every bubble has a Reply button; a reply shows the quote of its original (drawn from
// attributes too), which brings the original into view, and follows the original's edits and deletion here.
// A notice (`notice`) is a centered line with no author and no buttons, worded from its kind.
import { follow } from "chat-room-socket";

const BOTTOM_SLACK = 48;

// Orders the states of one message as the server's Message.revision does: a later edit or reaction wins, a
// deletion is final.
const revision = (m) => (m.deleted ? Infinity : Math.max(m.edited || 0, m.reacted || 0));
const LONG_PRESS_MS = 500;
// A notice is a line the server wrote (chat/domain/notices.py); its words are made here, one line per kind.
const noticeClock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const NOTICES = {
  removed: (n) => `The owner removed ${n.name || "a member"} from the room`,
  read_only: () => "A moderator made this room read-only",
  writable: () => "A moderator made this room writable again",
  muted: (n) => `A moderator muted ${n.name} in this room until ${noticeClock(n.until)}: ${n.reason}`,
  muted_everywhere: (n) => `A moderator muted ${n.name} everywhere until ${noticeClock(n.until)}: ${n.reason}`,
  unmuted: (n) => `A moderator lifted ${n.name}'s mute`,
};

export default {
  template: `
    <div>
      <div ref="scroller" class="chat-scroller" role="log" aria-live="polite" aria-label="Messages" @scroll="scrolled">
        <div class="chat-column">
          <q-btn v-if="hasOlder" flat no-caps dense icon="history" class="chat-load-older"
            :disable="loading" label="Load older messages" @click="older" />
          <template v-for="(m, i) in list" :key="m.id"><div v-if="m.notice" class="chat-notice-line" role="article"
            :data-id="m.id" :data-time="clock(m.at)" :title="date(m.at)" :tabindex="m.id === stop ? 0 : -1"
            @keydown="bubbleKey($event, m)" @focusin="entered($event, m)">{{ noticeText(m.notice) }}</div><div v-else :class="[bubbleClass(m, i), { mentioned: mentionsMe(m) }]" :data-author="m.name" :data-id="m.id"
            :data-time="stamp(m)" :title="when(m)" role="article" :tabindex="m.id === stop ? 0 : -1"
            @keydown="bubbleKey($event, m)" @focusin="entered($event, m)" @focusout="left($event, m)"><button v-if="m.reply && !m.deleted && editing !== m.id" type="button" class="chat-quote" :tabindex="inner(m)" :data-name="m.reply.name" :data-text="quoteText(m.reply)" :aria-label="quoteLabel(m.reply)" :disabled="!m.reply.name" @click="reveal(m.reply.id)"></button><template v-if="editing === m.id"><textarea class="chat-edit-input" v-model="draft" aria-label="Edit message" rows="2" @keydown="editKey"></textarea><span class="chat-edit-hint">Enter saves · Shift+Enter new line · Esc cancels</span></template><span v-else-if="m.deleted" class="chat-deleted">{{ m.removed ? "removed by a moderator" : "message deleted" }}</span><template v-else><template v-for="(part, j) in m.parts" :key="j"><a v-if="j % 2" :href="part" :tabindex="inner(m)" target="_blank" rel="noopener noreferrer">{{ part }}</a><template v-else>{{ part }}</template></template></template><span v-if="errors[m.id]" class="chat-change-error" role="alert">{{ errors[m.id] }}</span><div v-if="!m.deleted && editing !== m.id" class="chat-reactions"><button v-for="r in m.reactions || []" :key="r[0]" type="button" :tabindex="inner(m)" :class="['chat-reaction', { mine: r[3].includes(me) }]" :data-chip="r[0] + ' ' + r[1]" :title="names(r)" :aria-label="r[0] + ' ' + r[1] + ': ' + names(r)" :aria-pressed="String(r[3].includes(me))" @click="chipClicked(m, r)" @touchstart.passive="pressStart(m, r)" @touchend="pressEnd" @touchmove.passive="pressEnd" @contextmenu="pressMenu"></button><button type="button" class="chat-reply" :tabindex="inner(m)" aria-label="Reply" @click="$emit('reply', m.id)"></button><button type="button" class="chat-react-add" :tabindex="inner(m)" aria-label="Add reaction" aria-haspopup="menu" :aria-expanded="String(pickerFor === m.id)" @click="pickerFor = m.id"><q-menu v-if="pickerFor === m.id" :model-value="true" no-parent-event @hide="pickerFor = null"><div class="chat-react-picker" role="menu" aria-label="Reactions"><button v-for="(e, k) in emoji" :key="e" type="button" role="menuitemcheckbox" :aria-checked="String(mine(m, e))" :class="{ mine: mine(m, e) }" :autofocus="k === 0" v-close-popup @click="react(m, e, !mine(m, e))">{{ e }}</button></div></q-menu></button><span v-if="shownNames && shownNames.id === m.id" class="chat-reaction-names" role="status" :data-names="shownNames.names"></span></div><button v-if="(m.author === me || moderator) && !m.deleted && editing !== m.id" type="button" class="chat-bubble-menu" :tabindex="inner(m)" aria-label="Message actions" aria-haspopup="menu" :aria-expanded="String(menuFor === m.id)" @click="openMenu(m)"><q-menu v-if="menuFor === m.id" v-model="menuOpen" no-parent-event @hide="menuFor = null"><q-list dense role="menu"><template v-if="m.author === me"><q-item clickable v-close-popup role="menuitem" autofocus @click="startEdit(m)"><q-item-section>Edit</q-item-section></q-item><q-item clickable v-close-popup role="menuitem" @click="confirm(m.id, false)"><q-item-section>Delete</q-item-section></q-item></template><q-item v-if="moderator" clickable v-close-popup role="menuitem" :autofocus="m.author !== me" @click="confirm(m.id, true)"><q-item-section>Remove</q-item-section></q-item></q-list></q-menu></button></div></template>
        </div>
      </div>
      <q-btn v-if="unseen || detached" rounded unelevated no-caps icon="arrow_downward" class="chat-jump"
        :label="jumpText" @click="toLatest" />
      <q-dialog :model-value="confirming !== null" @update:model-value="confirming = null">
        <q-card class="chat-confirm" role="alertdialog" :aria-label="removing ? 'Remove this message?' : 'Delete this message?'">
          <q-card-section v-if="removing">Remove this message as a moderator? Everyone in the room will see "removed by a moderator" instead, and the moderation log will say you did.</q-card-section>
          <q-card-section v-else>Delete this message? Everyone in the room will see "message deleted" instead.</q-card-section>
          <q-card-actions align="right">
            <q-btn flat no-caps label="Cancel" autofocus v-close-popup />
            <q-btn flat no-caps color="negative" :label="removing ? 'Remove' : 'Delete'" @click="remove" />
          </q-card-actions>
        </q-card>
      </q-dialog>
    </div>
  `,
  props: {
    room: String,
    event: String,
    messages: Array,
    more: Boolean,
    me: String,
    ready: Boolean,
    limit: Number,
    group: Number,
    title: String,
    emoji: Array,
    person: String,
    moderator: Boolean,
  },
  data() {
    return {
      list: [],
      hasOlder: this.more,
      loading: false,
      atBottom: true,
      unseen: 0,
      unread: 0,
      menuFor: null,
      menuOpen: false,
      editing: null,
      draft: "",
      errors: {},
      confirming: null,
      removing: false,
      pickerFor: null,
      shownNames: null,
      focusId: null,
      inside: null,
      mentioned: 0,
      detached: false,
    };
  },
  computed: {
    full() {
      return this.list.length >= this.limit;
    },
    jumpText() {
      if (!this.unseen) return "Jump to latest";
      return this.unseen + (this.unseen === 1 ? " new message" : " new messages");
    },
    stop() {
      // the one message in the Tab order (roving tabindex): the last one focused, else the latest
      const at = this.focusId === null ? -1 : this.position(this.focusId);
      if (at < this.list.length && this.list[at]?.id === this.focusId) return this.focusId;
      return this.list.length ? this.list[this.list.length - 1].id : null;
    },
  },
  watch: {
    messages(page) {
      this.merge(page);
    },
    more(value) {
      this.hasOlder = value;
    },
    ready(now) {
      // Only a component that heard the socket's first connect, and no other, has heard every live message since
      // the server joined it. One that came later (created after connect, re-mounted) may have missed the join.
      if (now && (this.late || this.connects !== 1)) this.resume();
    },
  },
  created() {
    this.pressed = null;
    this.ids = new Set();
    this.connects = 0;
    this.late = false;
    this.requestedBefore = null;
    this.revealing = null;
    this.merge(this.messages);
  },
  mounted() {
    this.visibility = () => {
      if (!document.hidden) this.setUnread(0);
    };
    document.addEventListener("visibilitychange", this.visibility);
    this.attended = () => {
      if (!this.background()) this.setMentioned(0);
    };
    document.addEventListener("visibilitychange", this.attended);
    window.addEventListener("focus", this.attended);
    const handlers = {
      [this.event]: (data) => {
        if (data.room === this.room) this.receive(data);
      },
      connect: () => {
        this.connects += 1;
        this.resume();
      },
    };
    this.detach = follow(handlers, (socket) => {
      this.late = socket.connected || window.did_handshake === true;
      if (socket.connected) this.resume();
    });
  },
  unmounted() {
    this.detach();
    document.removeEventListener("visibilitychange", this.visibility);
    document.removeEventListener("visibilitychange", this.attended);
    window.removeEventListener("focus", this.attended);
  },
  methods: {
    resume() {
      if (this.ready) this.$emit("resume", this.list.length ? this.list[this.list.length - 1].id : 0);
    },
    receive(data) {
      if (data.attached && this.detached) return this.caughtUp(data);
      if (this.detached) return this.receiveDetached(data.messages);
      const added = this.merge(data.messages).added;
      const others = added.filter((m) => m.author !== this.me).length;
      if (others < added.length) this.toLatest();
      else if (others && !this.atBottom) this.unseen += others;
      if (others && document.hidden) this.setUnread(this.unread + others);
      this.noticeMentions(added);
    },
    reset(data) {
      this.list.splice(0);
      this.ids.clear();
      this.detached = false;
      this.merge(data.messages);
      this.hasOlder = data.more;
    },
    prepend(data) {
      this.loading = false;
      if (this.revealing !== null) this.$nextTick(() => this.seek(data.messages.length > 0));
      const oldest = this.list.length ? this.list[0].id : null;
      if (oldest !== this.requestedBefore) return; // live messages pushed the oldest out: the page would leave a gap
      if (this.list.length + data.messages.length > this.limit) this.detached = true; // the newest make room
      const trimmed = this.merge(data.messages).trimmed;
      this.hasOlder = data.more || (trimmed && !this.detached);
    },
    merge(messages) {
      const added = [];
      for (const m of messages || []) {
        const list = this.list;
        if ((m.edited || m.deleted) && this.newer(m)) this.requote(m);
        if (this.ids.has(m.id)) {
          const at = this.position(m.id);
          if (revision(m) > revision(list[at])) list.splice(at, 1, Object.freeze(m));
          if (m.deleted && this.editing === m.id) this.editing = null;
          continue;
        }
        if ((m.edited || m.deleted || m.reacted) && list.length && m.id < list[0].id) continue; // a change above the page
        this.ids.add(m.id);
        added.push(m);
        if (!list.length || list[list.length - 1].id < m.id) list.push(Object.freeze(m));
        else list.splice(this.position(m.id), 0, Object.freeze(m));
      }
      const excess = this.list.length - this.limit;
      if (excess > 0 && this.detached) {
        this.trimNewest();
      } else if (excess > 0) {
        for (const m of this.list.splice(0, excess)) this.ids.delete(m.id);
        this.hasOlder = true;
      }
      return { added, trimmed: excess > 0 };
    },
    position(id) {
      // where `id` is, or would go, in the list (ordered by id)
      const list = this.list;
      let low = 0;
      let high = list.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (list[mid].id < id) low = mid + 1;
        else high = mid;
      }
      return low;
    },
    // Replies: a quote shows its original as it is now. The server reads it when it sends a reply; an edit or a
    // deletion that arrives later updates the quotes drawn here, without anything more from the server.
    newer(m) {
      return !this.ids.has(m.id) || revision(m) > revision(this.list[this.position(m.id)]);
    },
    requote(m) {
      const reply = { id: m.id, name: m.name, text: m.deleted ? "" : m.excerpt || "", deleted: Boolean(m.deleted), removed: Boolean(m.removed) };
      this.list.forEach((r, i) => {
        if (r.reply && r.reply.id === m.id) this.list.splice(i, 1, Object.freeze({ ...r, reply }));
      });
    },
    quoteText(reply) {
      if (reply.removed) return "removed by a moderator";
      return reply.deleted ? "message deleted" : reply.text;
    },
    quoteLabel(reply) {
      if (!reply.name) return "Reply to a message no longer kept";
      return `Reply to ${reply.name}: ${this.quoteText(reply)}. Show it`;
    },
    openMenu(m) {
      delete this.errors[m.id];
      this.menuFor = m.id;
      this.menuOpen = true;
    },
    startEdit(m) {
      this.editing = m.id;
      this.draft = m.parts.join("");
      this.$nextTick(() => {
        const input = this.$el.querySelector(".chat-edit-input");
        if (input) input.focus();
      });
    },
    editKey(event) {
      if (event.key === "Escape") {
        event.preventDefault();
        this.stopEditing();
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        const original = this.list[this.position(this.editing)];
        if (original && original.id === this.editing && original.parts.join("") === this.draft) this.stopEditing();
        else this.$emit("edit", { id: this.editing, text: this.draft });
      }
    },
    stopEditing() {
      const id = this.editing;
      this.editing = null;
      delete this.errors[id];
      this.$nextTick(() => {
        const button = this.$el.querySelector(`[data-id="${id}"] .chat-bubble-menu`);
        if (button) button.focus();
      });
    },
    confirm(id, removing) {
      this.removing = removing;
      this.confirming = id;
    },
    remove() {
      this.$emit(this.removing ? "remove" : "delete", this.confirming);
      this.confirming = null;
    },
    answered(data) {
      if (data.message) this.merge([data.message]);
      if (data.error) this.errors[data.id] = data.error;
      else if (this.editing === data.id) this.stopEditing();
      else delete this.errors[data.id];
    },
    mine(m, emoji) {
      const found = (m.reactions || []).find((r) => r[0] === emoji);
      return Boolean(found && found[3].includes(this.me));
    },
    names(r) {
      const more = r[1] - r[2].length;
      return more > 0 ? `${r[2].join(", ")} and ${more} more` : r[2].join(", ");
    },
    react(m, emoji, on) {
      delete this.errors[m.id];
      this.$emit("react", { id: m.id, emoji, on });
    },
    chipClicked(m, r) {
      if (this.pressed && this.pressed.shown) return; // the end of a long press shows names, it toggles nothing
      this.react(m, r[0], !r[3].includes(this.me));
    },
    pressStart(m, r) {
      this.pressEnd();
      const pressed = { shown: false };
      pressed.timer = setTimeout(() => {
        pressed.shown = true;
        this.shownNames = { id: m.id, names: `${r[0]} ${this.names(r)}` };
      }, LONG_PRESS_MS);
      this.pressed = pressed;
    },
    pressEnd() {
      if (this.pressed) clearTimeout(this.pressed.timer);
      if (this.pressed && this.pressed.shown) setTimeout(() => (this.shownNames = null), 2500);
    },
    pressMenu(event) {
      if (this.pressed) event.preventDefault(); // a long press shows names, not the browser's menu
    },
    inner(m) {
      // a message's links and buttons are in the Tab order only while the keyboard is inside it (Enter)
      return this.inside === m.id ? 0 : -1;
    },
    bubbleKey(event, m) {
      // The list is one Tab stop: arrows move between messages, Enter goes into one, Escape comes back out.
      if (event.defaultPrevented) return;
      if (event.target !== event.currentTarget) {
        if (event.key === "Escape") {
          event.preventDefault();
          this.focusMessage(m.id);
        }
        return;
      }
      const at = this.position(m.id);
      const to = { ArrowUp: at - 1, ArrowDown: at + 1, Home: 0, End: this.list.length - 1 }[event.key];
      if (to !== undefined) {
        event.preventDefault();
        if (to >= 0 && to < this.list.length) this.focusMessage(this.list[to].id);
      } else if (event.key === "Enter") {
        event.preventDefault();
        const bubble = event.currentTarget;
        this.inside = m.id;
        this.$nextTick(() => bubble.querySelector("a, button, textarea")?.focus());
      }
    },
    focusMessage(id) {
      this.focusId = id;
      this.inside = null;
      this.$refs.scroller.querySelector(`[data-id="${id}"]`)?.focus();
    },
    entered(event, m) {
      this.focusId = m.id;
      if (event.target !== event.currentTarget) this.inside = m.id;
    },
    left(event, m) {
      if (this.inside === m.id && !event.currentTarget.contains(event.relatedTarget)) this.inside = null;
    },
    older() {
      if (this.loading || !this.list.length) return;
      this.loading = true;
      this.requestedBefore = this.list[0].id;
      this.$emit("older", this.requestedBefore);
    },
    reveal(id) {
      this.revealing = id;
      this.seek(true);
    },
    seek(progressed) {
      // Shown: scroll to it and mark it. Older than what is shown: ask for the page before, then look again.
      const id = this.revealing;
      const bubble = this.$refs.scroller.querySelector(`[data-id="${id}"]`);
      if (bubble) {
        this.revealing = null;
        bubble.scrollIntoView({ block: "center" });
        bubble.classList.add("chat-found");
        setTimeout(() => bubble.classList.remove("chat-found"), 2000);
      } else if (progressed && this.list.length && this.list[0].id > id && this.hasOlder) {
        if (this.full || this.detached) this.$emit("around", id);
        else if (!this.loading) this.older();
      } else if (progressed && this.detached && this.list.length && id > this.list[this.list.length - 1].id) {
        this.$emit("around", id);
      } else {
        this.revealing = null;
        this.$emit("unreachable");
      }
    },
    scrolled(event) {
      const atBottom = event.target.scrollTop > -BOTTOM_SLACK;
      if (atBottom === this.atBottom) return;
      this.atBottom = atBottom;
      event.target.dataset.atBottom = atBottom;
      if (atBottom) this.unseen = 0;
    },
    toLatest() {
      if (this.detached) this.resume();
      this.$refs.scroller.scrollTo({ top: 0, behavior: "smooth" });
      this.unseen = 0;
    },
    // Further back: a tab that loads older pages beyond what it keeps, or jumps to a message it cannot reach page
    // by page, shows older messages without the live ones after them (detached) until "Jump to latest" resumes.
    jumped(data) {
      this.reset(data);
      this.detached = data.newer;
      this.unseen = 0;
      if (!data.newer) this.resume();
      this.$nextTick(() => this.seek(false));
    },
    caughtUp(data) {
      this.detached = false;
      this.merge(data.messages);
      this.toLatest();
    },
    receiveDetached(messages) {
      const newest = this.list.length ? this.list[this.list.length - 1].id : 0;
      this.merge(messages.filter((m) => m.id <= newest));
      const fresh = messages.filter((m) => m.id > newest && !(m.edited || m.deleted || m.reacted));
      if (fresh.some((m) => m.author === this.me)) return this.toLatest();
      const others = fresh.length;
      this.unseen += others;
      if (others && document.hidden) this.setUnread(this.unread + others);
      this.noticeMentions(fresh);
    },
    trimNewest() {
      // The scroller is anchored at its bottom: bubbles taken off there would shift what the reader looks at, by
      // the distance from the last bubble kept to the last one there was.
      const scroller = this.$refs.scroller;
      const bottom = (m) => scroller.querySelector(`[data-id="${m.id}"]`)?.getBoundingClientRect().bottom ?? 0;
      const shift = bottom(this.list[this.list.length - 1]) - bottom(this.list[this.limit - 1]);
      for (const m of this.list.splice(this.limit)) this.ids.delete(m.id);
      this.$nextTick(() => (scroller.scrollTop += shift));
    },
    setUnread(count) {
      if (count === this.unread) return;
      this.unread = count;
      this.showTitle();
    },
    showTitle() {
      // "(@2) (5) lobby · Chat": mentions first and apart from the plain unread count
      const marks = [this.mentioned ? `(@${this.mentioned})` : "", this.unread ? `(${this.unread})` : ""];
      document.title = [...marks.filter(Boolean), this.title].join(" ");
    },
    // Mentions: a message whose `mentions` hold this tab's person (`person`) is highlighted; one arriving while the
    // tab is in the background (hidden, or its window not focused) counts in the title and, if the reader allowed
    // it with the header's bell, raises a notification, its title and body text only.
    mentionsMe(m) {
      return Boolean(this.person && m.mentions && m.mentions.includes(this.person) && m.author !== this.me &&
        !m.deleted);
    },
    background() {
      return document.hidden || !document.hasFocus();
    },
    setMentioned(count) {
      if (count === this.mentioned) return;
      this.mentioned = count;
      this.showTitle();
    },
    noticeMentions(added) {
      const mine = added.filter((m) => this.mentionsMe(m));
      if (!mine.length || !this.background()) return;
      this.setMentioned(this.mentioned + mine.length);
      if (!window.Notification || Notification.permission !== "granted") return;
      for (const m of mine) {
        const shown = new Notification(`${m.name} mentioned you in #${this.room}`, {
          body: m.parts.join("").slice(0, 300),
          tag: `chat-mention-${this.room}-${m.id}`,
        });
        shown.onclick = () => {
          window.focus();
          this.reveal(m.id);
          shown.close();
        };
      }
    },
    noticeText(notice) {
      const words = NOTICES[notice.kind];
      return words ? words(notice) : "";
    },
    bubbleClass(m, i) {
      const previous = i ? this.list[i - 1] : null;
      const gap = previous ? m.at - previous.at : -1;
      const continued = previous && previous.author === m.author && previous.name === m.name && gap >= 0 &&
        gap <= this.group * 1000;
      return ["chat-bubble", m.author === this.me ? "sent-message" : "received-message", continued ? "continued" : ""];
    },
    stamp(m) {
      return m.edited && !m.deleted ? `${this.clock(m.at)} · edited` : this.clock(m.at);
    },
    when(m) {
      if (m.deleted) return this.date(m.at);
      return m.edited ? `${this.date(m.at)}, edited ${this.date(m.edited)}` : this.date(m.at);
    },
    clock(at) {
      return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    },
    date(at) {
      return new Date(at).toLocaleString();
    },
  },
};
