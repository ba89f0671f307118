// axe-core finds no accessibility violation on any state of the pages, light
// and dark, at the desktop size (1280x800).
import { axeTests } from './axe_states.mjs';

axeTests('desktop');
