// A page of the rooms list (see room_list.py): a link per room, its name and caption as text, never as HTML.
export default {
  props: { rooms: Array },
  template: `
    <q-list bordered separator>
      <q-item v-for="room in rooms" :key="room.name" clickable tag="a" :href="'/room/' + encodeURIComponent(room.name)">
        <q-item-section>
          <q-item-label>{{ "# " + room.name }}</q-item-label>
          <q-item-label caption>{{ room.about }}</q-item-label>
        </q-item-section>
      </q-item>
    </q-list>
  `,
};
