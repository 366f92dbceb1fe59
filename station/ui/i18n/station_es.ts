<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es">
  <context>
    <name>ChildWindow</name>
    <message>
      <location filename="../../../station/ui/window.py" line="41" />
      <source>Motor Station — play</source>
      <translation>Motor Station — juego</translation>
    </message>
  </context>
  <context>
    <name>Dashboard</name>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="246" />
      <source> s</source>
      <translation> s</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="136" />
      <source>+ harder</source>
      <translation>+ más difícil</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="260" />
      <source>Add to plan ↓</source>
      <translation>Añadir al plan ↓</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="141" />
      <source>Difficulty (next trial):</source>
      <translation>Dificultad (próximo ensayo):</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="249" />
      <source>Duration</source>
      <translation>Duración</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="131" />
      <source>End the trial and the session; everything recorded is kept (Esc)</source>
      <translation>Terminar el ensayo y la sesión; se conserva todo lo grabado (Esc)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="239" />
      <source>Exercise</source>
      <translation>Ejercicio</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Get ready… %1</source>
      <translation>Prepárate… %1</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="184" />
      <source>History</source>
      <translation>Historial</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Load…</source>
      <translation>Cargar…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="189" />
      <source>Notes (saved with the session)</source>
      <translation>Notas (se guardan con la sesión)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="191" />
      <source>Observations, prompts given, mood…</source>
      <translation>Observaciones, ayudas dadas, estado de ánimo…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="112" />
      <source>Participant</source>
      <translation>Participante</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="128" />
      <source>Pause / resume (Space)</source>
      <translation>Pausar / reanudar (Espacio)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Paused</source>
      <translation>En pausa</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="171" />
      <source>Plan</source>
      <translation>Plan</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Playing</source>
      <translation>Jugando</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="116" />
      <source>Pseudonymous code only (e.g. P-017), never a name</source>
      <translation>Solo un código seudónimo (p. ej. P-017), nunca un nombre</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="118" />
      <source>Ready</source>
      <translation>Listo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Remove</source>
      <translation>Quitar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="243" />
      <source>Repetitions</source>
      <translation>Repeticiones</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Rest %1 s</source>
      <translation>Descanso %1 s</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="254" />
      <source>Rest after</source>
      <translation>Descanso después</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Save…</source>
      <translation>Guardar…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Session complete</source>
      <translation>Sesión completa</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Session failed</source>
      <translation>La sesión falló</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="147" />
      <source>Sound and language…</source>
      <translation>Sonido e idioma…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="125" />
      <source>Start the plan (Space)</source>
      <translation>Iniciar el plan (Espacio)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="139" />
      <source>Step the difficulty of the next trial (tolerances, targets, holds)</source>
      <translation>Cambiar la dificultad del próximo ensayo (tolerancias, objetivos, tiempos)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="173" />
      <source>Summary</source>
      <translation>Resumen</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Trial %1/%2: %3</source>
      <translation>Ensayo %1/%2: %3</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Trial failed (no score)</source>
      <translation>El ensayo falló (sin puntuación)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Well done!</source>
      <translation>¡Muy bien!</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="174" />
      <source>date (UTC)</source>
      <translation>fecha (UTC)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="172" />
      <source>exercise</source>
      <translation>ejercicio</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="172" />
      <source>main metrics</source>
      <translation>métricas principales</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="174" />
      <source>metric</source>
      <translation>métrica</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="242" />
      <source>no target</source>
      <translation>sin objetivo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="174" />
      <source>place</source>
      <translation>lugar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="172" />
      <source>reps</source>
      <translation>repeticiones</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="174" />
      <source>source</source>
      <translation>fuente</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="172" />
      <source>stars</source>
      <translation>estrellas</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="174" />
      <source>status</source>
      <translation>estado</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="172" />
      <source>trial</source>
      <translation>ensayo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="247" />
      <source>until done</source>
      <translation>hasta terminar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="174" />
      <source>value</source>
      <translation>valor</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="135" />
      <source>− easier</source>
      <translation>− más fácil</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="129" />
      <source>■ Stop</source>
      <translation>■ Parar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="123" />
      <source>▶ Start</source>
      <translation>▶ Empezar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="126" />
      <source>❚❚ Pause</source>
      <translation>❚❚ Pausa</translation>
    </message>
  </context>
  <context>
    <name>GoalForm</name>
    <message>
      <location filename="../../../station/ui/goals.py" line="103" />
      <source>, by</source>
      <translation>, para el</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="99" />
      <source>, with</source>
      <translation>, con</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="121" />
      <source>-1 = the child's baseline (last 5 tries that count), 0 = the goal; the therapist edits them</source>
      <translation>-1 = la línea base del niño (últimos 5 intentos que cuentan), 0 = el objetivo; el terapeuta los edita</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="67" />
      <source>&lt;b&gt;New goal&lt;/b&gt; — it reads like the sentence it builds</source>
      <translation>&lt;b&gt;Nuevo objetivo&lt;/b&gt; — se lee como la frase que construye</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="110" />
      <source>GAS levels</source>
      <translation>Niveles GAS</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="95" />
      <source>K</source>
      <translation>K</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="97" />
      <source>N</source>
      <translation>N</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="123" />
      <source>No levels</source>
      <translation>Sin niveles</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="120" />
      <source>Propose from baseline</source>
      <translation>Proponer desde la línea base</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="139" />
      <source>Save goal</source>
      <translation>Guardar objetivo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="87" />
      <source>as the best try of a session</source>
      <translation>como el mejor intento de una sesión</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="72" />
      <source>at least</source>
      <translation>al menos</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="72" />
      <source>at most</source>
      <translation>como máximo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="79" />
      <source>in</source>
      <translation>en</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="87" />
      <source>in K of the last N tries</source>
      <translation>en K de los últimos N intentos</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="87" />
      <source>in N sessions in a row</source>
      <translation>en N sesiones seguidas</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="252" />
      <source>no baseline to propose levels from (no tries count, or the baseline already reaches the goal)</source>
      <translation>no hay línea base para proponer niveles (ningún intento cuenta, o la línea base ya alcanza el objetivo)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="101" />
      <source>settings that must hold, e.g. mode=tabletop</source>
      <translation>ajustes que deben cumplirse, p. ej. mode=tabletop</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="117" />
      <source>–</source>
      <translation>–</translation>
    </message>
  </context>
  <context>
    <name>GoalsPanel</name>
    <message>
      <location filename="../../../station/ui/goals.py" line="293" />
      <source>GAS</source>
      <translation>GAS</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="286" />
      <source>Goals</source>
      <translation>Objetivos</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="288" />
      <source>New goal…</source>
      <translation>Nuevo objetivo…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="293" />
      <source>as written</source>
      <translation>tal como está escrito</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="293" />
      <source>goal</source>
      <translation>objetivo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/goals.py" line="293" />
      <source>trend</source>
      <translation>tendencia</translation>
    </message>
  </context>
  <context>
    <name>LiveCharts</name>
    <message>
      <location filename="../../../station/ui/charts.py" line="83" />
      <source>% frame height</source>
      <translation>% de la altura de la imagen</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="86" />
      <source>Centre of pressure</source>
      <translation>Centro de presión</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="83" />
      <source>Distance from the path</source>
      <translation>Distancia al camino</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="85" />
      <source>Grip force</source>
      <translation>Fuerza de agarre</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="85" />
      <source>N</source>
      <translation>N</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="84" />
      <source>Repetitions</source>
      <translation>Repeticiones</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="86" />
      <source>back – front</source>
      <translation>atrás – delante</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="84" />
      <source>count</source>
      <translation>número</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="86" />
      <source>left – right</source>
      <translation>izquierda – derecha</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="83" />
      <source>time (s)</source>
      <translation>tiempo (s)</translation>
    </message>
  </context>
  <context>
    <name>SoundSettingsDialog</name>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="62" />
      <source> dBFS</source>
      <translation> dBFS</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="173" />
      <source>Cannot play</source>
      <translation>No se puede reproducir</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="141" />
      <source>Cannot record</source>
      <translation>No se puede grabar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="133" />
      <source>Choose a prompt first</source>
      <translation>Elige primero una instrucción</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="65" />
      <source>Loudest sound</source>
      <translation>Sonido más fuerte</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="72" />
      <source>Microphone: %1</source>
      <translation>Micrófono: %1</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="73" />
      <source>No microphone (%1): recording is off; the shipped prompts play</source>
      <translation>No hay micrófono (%1): la grabación está desactivada; suenan las instrucciones incluidas</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="64" />
      <source>No sound is ever louder than this, whatever the volume</source>
      <translation>Ningún sonido supera este nivel, sea cual sea el volumen</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="54" />
      <source>Prompts in</source>
      <translation>Instrucciones en</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="66" />
      <source>Quiet mode: no celebration sounds, softer visuals, no confetti</source>
      <translation>Modo tranquilo: sin sonidos de celebración, imágenes más suaves, sin confeti</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="144" />
      <source>Recording… say the words, then Stop</source>
      <translation>Grabando… di las palabras y luego Parar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="154" />
      <source>Saved</source>
      <translation>Guardado</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="46" />
      <source>Sound and language</source>
      <translation>Sonido e idioma</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="87" />
      <source>Use the shipped prompt</source>
      <translation>Usar la instrucción incluida</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="58" />
      <source>Volume</source>
      <translation>Volumen</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="178" />
      <source>Your recording was removed; the shipped prompt plays</source>
      <translation>Se borró tu grabación; suena la instrucción incluida</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="120" />
      <source>chime (no recording)</source>
      <translation>campanita (sin grabación)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="77" />
      <source>plays</source>
      <translation>suena</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="77" />
      <source>prompt</source>
      <translation>instrucción</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="121" />
      <source>shipped (espeak-ng)</source>
      <translation>incluida (espeak-ng)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="77" />
      <source>words</source>
      <translation>palabras</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="121" />
      <source>your recording</source>
      <translation>tu grabación</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="143" />
      <source>■ Stop</source>
      <translation>■ Parar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="86" />
      <source>▶ Play</source>
      <translation>▶ Escuchar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/prompts_dialog.py" line="85" />
      <source>● Record</source>
      <translation>● Grabar</translation>
    </message>
  </context>
  <context>
    <name>StationWindow</name>
    <message>
      <location filename="../../../station/ui/window.py" line="63" />
      <source>Motor Station</source>
      <translation>Motor Station</translation>
    </message>
    <message>
      <location filename="../../../station/ui/window.py" line="136" />
      <source>Preparing…</source>
      <translation>Preparando…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/window.py" line="144" />
      <source>Ready</source>
      <translation>Listo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/window.py" line="169" />
      <source>no trial left to change</source>
      <translation>no queda ningún ensayo que cambiar</translation>
    </message>
  </context>
</TS>
