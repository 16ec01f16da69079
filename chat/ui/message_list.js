// The message list of one tab (see message_list.py): merges the first page, the room's live stream and the
// replies to its own requests by message id, and draws each message as text nodes and links, never as HTML.
import { follow } from "chat-room-socket";

const BOTTOM_SLACK = 48;

export default {
  template: `
    <div>
      <div ref="scroller" class="chat-scroller" role="log" aria-live="polite" aria-label="Messages" @scroll="scrolled">
        <div class="chat-column">
          <q-btn v-if="hasOlder || full" flat no-caps dense icon="history" class="chat-load-older"
            :disable="full || loading" :label="full ? fullText : 'Load older messages'" @click="older" />
          <div v-for="(m, i) in list" :key="m.id" :class="bubbleClass(m, i)" :data-id="m.id" :data-author="m.name"
            :data-time="clock(m.at)" :title="date(m.at)"><template v-for="(part, j) in m.parts" :key="j"><a v-if="j % 2" :href="part" target="_blank" rel="noopener noreferrer">{{ part }}</a><template v-else>{{ part }}</template></template></div>
        </div>
      </div>
      <q-btn v-if="unseen" rounded unelevated no-caps icon="arrow_downward" class="chat-jump"
        :label="unseen + (unseen === 1 ? ' new message' : ' new messages')" @click="toLatest" />
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
  },
  data() {
    return { list: [], hasOlder: this.more, loading: false, atBottom: true, unseen: 0, unread: 0 };
  },
  computed: {
    full() {
      return this.list.length >= this.limit;
    },
    fullText() {
      return `This page keeps the latest ${this.limit} messages`;
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
  },
  methods: {
    resume() {
      if (this.ready) this.$emit("resume", this.list.length ? this.list[this.list.length - 1].id : 0);
    },
    receive(data) {
      const added = this.merge(data.messages).added;
      const others = added.filter((m) => m.author !== this.me).length;
      if (others < added.length) this.toLatest();
      else if (others && !this.atBottom) this.unseen += others;
      if (others && document.hidden) this.setUnread(this.unread + others);
    },
    reset(data) {
      this.list.splice(0);
      this.ids.clear();
      this.merge(data.messages);
      this.hasOlder = data.more;
    },
    prepend(data) {
      this.loading = false;
      if (this.revealing !== null) this.$nextTick(() => this.seek(data.messages.length > 0));
      const oldest = this.list.length ? this.list[0].id : null;
      if (oldest !== this.requestedBefore) return; // live messages pushed the oldest out: the page would leave a gap
      const trimmed = this.merge(data.messages).trimmed;
      this.hasOlder = data.more || trimmed;
    },
    merge(messages) {
      const added = [];
      for (const m of messages || []) {
        if (this.ids.has(m.id)) continue;
        this.ids.add(m.id);
        added.push(m);
        const list = this.list;
        if (!list.length || list[list.length - 1].id < m.id) {
          list.push(Object.freeze(m));
        } else {
          let low = 0;
          let high = list.length;
          while (low < high) {
            const mid = (low + high) >> 1;
            if (list[mid].id < m.id) low = mid + 1;
            else high = mid;
          }
          list.splice(low, 0, Object.freeze(m));
        }
      }
      const excess = this.list.length - this.limit;
      if (excess > 0) {
        for (const m of this.list.splice(0, excess)) this.ids.delete(m.id);
        this.hasOlder = true;
      }
      return { added, trimmed: excess > 0 };
    },
    older() {
      if (this.loading || this.full || !this.list.length) return;
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
      } else if (progressed && this.list.length && this.list[0].id > id && this.hasOlder && !this.full) {
        if (!this.loading) this.older();
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
      this.$refs.scroller.scrollTo({ top: 0, behavior: "smooth" });
      this.unseen = 0;
    },
    setUnread(count) {
      if (count === this.unread) return;
      this.unread = count;
      document.title = count ? `(${count}) ${this.title}` : this.title;
    },
    bubbleClass(m, i) {
      const previous = i ? this.list[i - 1] : null;
      const gap = previous ? m.at - previous.at : -1;
      const continued = previous && previous.author === m.author && previous.name === m.name && gap >= 0 &&
        gap <= this.group * 1000;
      return ["chat-bubble", m.author === this.me ? "sent-message" : "received-message", continued ? "continued" : ""];
    },
    clock(at) {
      return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    },
    date(at) {
      return new Date(at).toLocaleString();
    },
  },
};
