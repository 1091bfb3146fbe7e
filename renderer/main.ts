import { mount } from 'svelte'
import App from './App.svelte'
import './styles/theme.css'
import { connectApi } from './api/client'

const target = document.getElementById('app')!
connectApi().then(
  () => mount(App, { target }),
  (err: Error) => {
    target.textContent = `Framewise could not start: ${err.message}`
  },
)
