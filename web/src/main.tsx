import { render } from 'preact';
import { App } from './app.js';
import './styles.css';
import './format.css';
import './files.css';
import './search-notify.css';
import './groups.css';
import './admin.css';

render(<App />, document.getElementById('app')!);
