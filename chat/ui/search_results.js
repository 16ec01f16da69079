// The results of a room search (see search.py): author, time and context as text nodes, the matched words in <mark>
// elements built here, never HTML; a click or Enter on a result asks to bring it into view.
export default {
  props: { results: Array, searched: Boolean },
  emits: ["pick"],
  template: `
    <div>
      <div v-if="searched && !results.length" class="chat-search-none">No messages found.</div>
      <div v-for="r in results" :key="r.id" class="chat-search-result" role="button" tabindex="0"
        @click="$emit('pick', r.id)" @keydown.enter="$emit('pick', r.id)">
        <div class="chat-search-meta">{{ r.name + " · " + date(r.at) }}</div>
        <div class="chat-search-text"><template v-for="(part, j) in r.parts" :key="j"><mark v-if="j % 2">{{ part }}</mark><template v-else>{{ part }}</template></template></div>
      </div>
    </div>
  `,
  methods: {
    date(at) {
      return new Date(at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    },
  },
};
