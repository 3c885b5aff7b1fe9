import { useId } from 'react';

/** A Yes/No choice as two radio buttons in a fieldset (the reference portal's toggle). */
export function YesNo({ legend, value, onChange, hint }: { legend: string; value: boolean; onChange: (v: boolean) => void; hint?: string }) {
  const name = useId();
  return (
    <fieldset className="yes-no">
      <legend>{legend}</legend>
      <label className="checkbox inline">
        <input type="radio" name={name} checked={value} onChange={() => onChange(true)} /> Yes
      </label>
      <label className="checkbox inline">
        <input type="radio" name={name} checked={!value} onChange={() => onChange(false)} /> No
      </label>
      {hint && <small className="hint block">{hint}</small>}
    </fieldset>
  );
}
