// simple-peer's package entry pulls Node polyfills that break under Vite; its prebuilt browser bundle does not.
declare module 'simple-peer/simplepeer.min.js' {
  import SimplePeer from 'simple-peer';
  export default SimplePeer;
}
