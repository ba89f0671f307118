// axe-core finds no accessibility violation on any state of the pages, light
// and dark, at the phone size (390x844).
import { axeTests } from './axe_states.mjs';

axeTests('phone');
