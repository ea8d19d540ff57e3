import { render } from 'preact';
import { App } from './app.js';
import './styles.css';
import './format.css';

render(<App />, document.getElementById('app')!);
