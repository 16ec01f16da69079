// The rooms this browser joined (see joined_rooms.py). Each count is the server's, from the store, plus the ids of
// the new messages the room's watchers hear of after it, so the server does nothing for this tab per message. A room
// is marked "@" when the server found a mention of this browser's person (`me`) there, or the news name it.
import { follow } from "chat-room-socket";

const MOST = 99;

export default {
  props: { rooms: Array, current: String, event: String, me: String },
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
            :title="'Leave #' + room.name" @click="$emit('leave', room.name)" />
        </q-item>
      </q-list>
    </nav>
  `,
  data() {
    return { heard: {}, heardMention: {} };
  },
  watch: {
    rooms(now) {
      for (const room of now) {
        if (this.heard[room.name]) this.heard[room.name] = this.heard[room.name].filter((id) => id > room.after);
      }
    },
  },
  mounted() {
    this.detach = follow({ [this.event]: (news) => this.hear(news) });
  },
  unmounted() {
    this.detach();
  },
  methods: {
    hear(news) {
      const room = this.rooms.find((r) => r.name === news.room);
      if (!room || room.name === this.current) return;
      const ids = this.heard[room.name] ?? [];
      for (const id of news.ids) if (id > room.after && !ids.includes(id) && ids.length <= MOST) ids.push(id);
      this.heard[room.name] = ids;
      if (this.me && (news.mentions ?? []).includes(this.me)) this.heardMention[room.name] = true;
    },
    mentioned(room) {
      return room.name !== this.current && Boolean(room.mention || this.heardMention[room.name]);
    },
    unread(room) {
      if (room.name === this.current) return 0;
      return room.unread + (this.heard[room.name] ?? []).filter((id) => id > room.after).length;
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
