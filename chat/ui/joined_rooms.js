// The rooms this browser joined (see joined_rooms.py). Each count is the server's, from the store, plus the ids of
// the new messages the room's watchers hear of after it, so the server does nothing for this tab per message. A room
// is marked "@" when the server found a mention of this browser's person (`me`) there, or the news name it.
// The browser's other tabs are told, over a BroadcastChannel, when this one joins or leaves a room (they ask their
// server to list again) and the newest message it shows of its room (they stop counting it as unread).
import { follow } from "chat-room-socket";

const MOST = 99;
const CHANNEL = "chat-joined-rooms";

export default {
  props: { rooms: Array, current: String, event: String, stream: String, seen: Number, me: String },
  template: `
    <nav aria-labelledby="chat-joined-title">
      <div id="chat-joined-title" class="chat-joined-title">Your rooms</div>
      <q-list dense>
        <q-item v-for="room in rooms" :key="room.name" class="chat-joined-room"
          :class="{ 'chat-joined-open': room.name === current }">
          <a :href="room.href" class="chat-joined-link" :aria-current="room.name === current ? 'page' : null"
            :aria-label="label(room)">
            <span class="chat-joined-name">{{ "# " + room.name }}</span>
            <span v-if="mentioned(room)" class="chat-joined-mention" aria-hidden="true">@</span>
            <span v-if="unread(room)" class="chat-joined-unread" aria-hidden="true">{{ shown(unread(room)) }}</span>
          </a>
          <q-btn flat round dense size="sm" icon="close" class="chat-joined-leave" :aria-label="'Leave #' + room.name"
            :title="'Leave #' + room.name" @click="leave(room.name)" />
        </q-item>
      </q-list>
    </nav>
  `,
  data() {
    return { heard: {}, heardMention: {}, seenElsewhere: {}, newestHere: 0, leaving: null };
  },
  watch: {
    rooms(now) {
      for (const room of now) {
        if (this.heard[room.name]) this.heard[room.name] = this.heard[room.name].filter((id) => id > room.after);
      }
      if (this.leaving !== null && !now.some((room) => room.name === this.leaving)) {
        this.leaving = null;
        this.tell({ kind: "listed" });
      }
    },
    seen() {
      this.tellSeen();
    },
  },
  mounted() {
    this.detach = follow({
      [this.event]: (news) => this.hear(news),
      [this.stream]: (data) => this.showing(data),
    });
    this.channel = typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(CHANNEL);
    if (this.channel) this.channel.onmessage = (event) => this.told(event.data);
    this.visibility = () => this.tellSeen();
    document.addEventListener("visibilitychange", this.visibility);
    this.tell({ kind: "listed" });
  },
  unmounted() {
    this.detach();
    this.channel?.close();
    document.removeEventListener("visibilitychange", this.visibility);
  },
  methods: {
    leave(name) {
      this.leaving = name;
      this.$emit("leave", name);
    },
    tell(data) {
      this.channel?.postMessage(data);
    },
    tellSeen() {
      const newest = Math.max(this.seen ?? 0, this.newestHere);
      if (!document.hidden && newest > 0) this.tell({ kind: "seen", room: this.current, id: newest });
    },
    told(data) {
      if (data?.kind === "listed") this.$emit("relist");
      else if (data?.kind === "seen" && typeof data.room === "string" && Number.isInteger(data.id)) {
        this.seenElsewhere[data.room] = Math.max(this.seenElsewhere[data.room] ?? 0, data.id);
      }
    },
    showing(data) {
      if (data.room !== this.current) return;
      for (const m of data.messages) this.newestHere = Math.max(this.newestHere, m.id);
      this.tellSeen();
    },
    hear(news) {
      const room = this.rooms.find((r) => r.name === news.room);
      if (!room || room.name === this.current) return;
      const ids = this.heard[room.name] ?? [];
      for (const id of news.ids) if (id > room.after && !ids.includes(id) && ids.length <= MOST) ids.push(id);
      this.heard[room.name] = ids;
      if (this.me && (news.mentions ?? []).includes(this.me)) {
        this.heardMention[room.name] = Math.max(this.heardMention[room.name] ?? 0, ...news.ids);
      }
    },
    mentioned(room) {
      // the store's marker, or a mention heard since; what another tab of the browser showed clears either
      if (room.name === this.current) return false;
      const elsewhere = this.seenElsewhere[room.name] ?? 0;
      return (room.mention && elsewhere < room.after) || (this.heardMention[room.name] ?? 0) > elsewhere;
    },
    unread(room) {
      if (room.name === this.current) return 0;
      const elsewhere = this.seenElsewhere[room.name] ?? 0;
      const after = Math.max(room.after, elsewhere);
      const counted = elsewhere >= room.after ? 0 : room.unread;
      return counted + (this.heard[room.name] ?? []).filter((id) => id > after).length;
    },
    shown(count) {
      return count > MOST ? `${MOST}+` : String(count);
    },
    label(room) {
      const count = this.unread(room);
      return `# ${room.name}` + (count ? `, ${this.shown(count)} unread` : "") + (this.mentioned(room) ? ", mentioned" : "");
    },
  },
};
