<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es">
  <context>
    <name />
    <message>
      <source>% frame height</source>
      <translation>% de la altura de la imagen</translation>
    </message>
    <message>
      <source>Centre of pressure</source>
      <translation>Centro de presión</translation>
    </message>
    <message>
      <source>Distance from the path</source>
      <translation>Distancia al camino</translation>
    </message>
    <message>
      <source>Grip force</source>
      <translation>Fuerza de agarre</translation>
    </message>
    <message>
      <source>Repetitions</source>
      <translation>Repeticiones</translation>
    </message>
    <message>
      <source>back – front</source>
      <translation>atrás – delante</translation>
    </message>
    <message>
      <source>count</source>
      <translation>número</translation>
    </message>
    <message>
      <source>left – right</source>
      <translation>izquierda – derecha</translation>
    </message>
    <message>
      <source>time (s)</source>
      <translation>tiempo (s)</translation>
    </message>
  </context>
  <context>
    <name>ChildView</name>
    <message>
      <location filename="../../../station/ui/child_view.py" line="200" />
      <source>simulated child</source>
      <translation>niño simulado</translation>
    </message>
  </context>
  <context>
    <name>ChildWindow</name>
    <message>
      <location filename="../../../station/ui/window.py" line="42" />
      <source>Motor Station — play</source>
      <translation>Motor Station — juego</translation>
    </message>
  </context>
  <context>
    <name>Contract</name>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>/min</source>
      <translation>/min</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>1/min</source>
      <translation>1/min</translation>
    </message>
    <message>
      <location filename="../../../exercises/finger_taps.py" line="0" />
      <source>Amplitude decrement</source>
      <translation>Pérdida de amplitud</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>Animals in the right place</source>
      <translation>Animales en su sitio</translation>
    </message>
    <message>
      <location filename="../../../exercises/stance.py" line="0" />
      <source>Attempts</source>
      <translation>Intentos</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>Band</source>
      <translation>Banda</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>Bear walk</source>
      <translation>Paso de oso</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Best of three</source>
      <translation>Mejor de tres</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Bias</source>
      <translation>Desviación</translation>
    </message>
    <message>
      <location filename="../../../exercises/breathing.py" line="0" />
      <source>Breath-to-breath variation</source>
      <translation>Variación entre respiraciones</translation>
    </message>
    <message>
      <location filename="../../../exercises/breathing.py" line="0" />
      <source>Breathing rate</source>
      <translation>Frecuencia respiratoria</translation>
    </message>
    <message>
      <location filename="../../../exercises/brushing.py" line="0" />
      <source>Brushing time</source>
      <translation>Tiempo de cepillado</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>Bunny hops</source>
      <translation>Saltos de conejo</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>Cadence</source>
      <translation>Cadencia</translation>
    </message>
    <message>
      <location filename="../../../exercises/breathing.py" line="0" />
      <source>Calm-down breathing</source>
      <translation>Respiración para calmarse</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>Commission errors</source>
      <translation>Errores de comisión</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>Completion</source>
      <translation>Completado</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>Copy the animals</source>
      <translation>Copia los animales</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>Crab walk</source>
      <translation>Paso de cangrejo</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>Cue after</source>
      <translation>Aviso tras</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>Depth</source>
      <translation>Profundidad</translation>
    </message>
    <message>
      <location filename="../../../exercises/routine.py" line="0" />
      <source>Done without help</source>
      <translation>Hecho sin ayuda</translation>
    </message>
    <message>
      <location filename="../../../exercises/pegboard.py" line="0" />
      <source>Drops</source>
      <translation>Caídas</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>Errors</source>
      <translation>Errores</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Fatigue index</source>
      <translation>Índice de fatiga</translation>
    </message>
    <message>
      <location filename="../../../exercises/finger_taps.py" line="0" />
      <source>Finger taps</source>
      <translation>Golpecitos con el dedo</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Follow the line</source>
      <translation>Sigue la línea</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>Frog jumps</source>
      <translation>Saltos de rana</translation>
    </message>
    <message>
      <location filename="../../../exercises/hand_to_mouth.py" line="0" />
      <source>Hand to mouth</source>
      <translation>Mano a la boca</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>Head tilt</source>
      <translation>Inclinación de la cabeza</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>Head to desk</source>
      <translation>Cabeza a la mesa</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>Hits</source>
      <translation>Aciertos</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Hold</source>
      <translation>Mantener</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>Hold to count</source>
      <translation>Mantener para contar</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Holds</source>
      <translation>Posturas mantenidas</translation>
    </message>
    <message>
      <location filename="../../../exercises/finger_taps.py" line="0" />
      <source>Hz</source>
      <translation>Hz</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>Jumping jacks</source>
      <translation>Saltos de tijera</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>Jumps</source>
      <translation>Saltos</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Lean to the star</source>
      <translation>Inclínate hacia la estrella</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>Longest correct sequence</source>
      <translation>Secuencia correcta más larga</translation>
    </message>
    <message>
      <location filename="../../../exercises/stance.py" line="0" />
      <source>Longest hold</source>
      <translation>Tiempo más largo</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>Longest jump</source>
      <translation>Salto más largo</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>Mean deviation</source>
      <translation>Desviación media</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>Mean flight time</source>
      <translation>Tiempo medio en el aire</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Mean interval</source>
      <translation>Intervalo medio</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>Mean quality</source>
      <translation>Calidad media</translation>
    </message>
    <message>
      <location filename="../../../exercises/brushing.py" line="0" />
      <source>Mouth zone</source>
      <translation>Zona de la boca</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>N</source>
      <translation>N</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>Opposites score</source>
      <translation>Puntuación de opuestos</translation>
    </message>
    <message>
      <location filename="../../../exercises/breathing.py" line="0" />
      <source>Pacer rate</source>
      <translation>Ritmo del globo</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Peak force</source>
      <translation>Fuerza máxima</translation>
    </message>
    <message>
      <location filename="../../../exercises/pegboard.py" line="0" />
      <source>Pegboard</source>
      <translation>Tablero de clavijas</translation>
    </message>
    <message>
      <location filename="../../../exercises/pegboard.py" line="0" />
      <source>Pegs placed</source>
      <translation>Clavijas colocadas</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>Picture time</source>
      <translation>Tiempo de la imagen</translation>
    </message>
    <message>
      <location filename="../../../exercises/routine.py" line="0" />
      <source>Prompt after</source>
      <translation>Ayuda tras</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>Push-ups</source>
      <translation>Flexiones</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>RMS error</source>
      <translation>Error cuadrático medio</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Reach</source>
      <translation>Alcance</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>Reaction time</source>
      <translation>Tiempo de reacción</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>Repetitions</source>
      <translation>Repeticiones</translation>
    </message>
    <message>
      <location filename="../../../exercises/routine.py" line="0" />
      <source>Routine with picture steps</source>
      <translation>Rutina con pasos en imágenes</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>Seated posture (desk)</source>
      <translation>Postura sentada (mesa)</translation>
    </message>
    <message>
      <location filename="../../../exercises/stance.py" line="0" />
      <source>Shortest hold</source>
      <translation>Tiempo más corto</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>Sit-up angle</source>
      <translation>Ángulo del abdominal</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>Sit-ups</source>
      <translation>Abdominales</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>Slump cues</source>
      <translation>Avisos por encorvarse</translation>
    </message>
    <message>
      <location filename="../../../exercises/hand_to_mouth.py" line="0" />
      <source>Smoothness (SPARC)</source>
      <translation>Fluidez (SPARC)</translation>
    </message>
    <message>
      <location filename="../../../exercises/hand_to_mouth.py" line="0" />
      <source>Spill risks</source>
      <translation>Riesgos de derrame</translation>
    </message>
    <message>
      <location filename="../../../exercises/hand_to_mouth.py" line="0" />
      <source>Spoon tilt</source>
      <translation>Inclinación de la cuchara</translation>
    </message>
    <message>
      <location filename="../../../exercises/hand_to_mouth.py" line="0" />
      <source>Spoon to mouth</source>
      <translation>Cuchara a la boca</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>Spread</source>
      <translation>Apertura</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>Squats</source>
      <translation>Sentadillas</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Squeeze again and again</source>
      <translation>Aprieta una y otra vez</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Squeeze and hold</source>
      <translation>Aprieta y mantén</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Squeezes</source>
      <translation>Apretones</translation>
    </message>
    <message>
      <location filename="../../../exercises/stance.py" line="0" />
      <source>Stand on one leg</source>
      <translation>Sobre un pie</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Stand on one leg (board)</source>
      <translation>Sobre un pie (plataforma)</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Stand still like a statue</source>
      <translation>Quieto como una estatua</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>Standing long jump</source>
      <translation>Salto de longitud sin carrera</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Star size</source>
      <translation>Tamaño de la estrella</translation>
    </message>
    <message>
      <location filename="../../../exercises/brushing.py" line="0" />
      <source>Stars from a share in the live values (``key``, 0..1): 1-3 stars as every rule</source>
      <translation>estrellas según la proporción conseguida (de 1 a 3 estrellas, como en todas las reglas)</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Stars reached</source>
      <translation>Estrellas alcanzadas</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>Starting length</source>
      <translation>Longitud inicial</translation>
    </message>
    <message>
      <location filename="../../../exercises/routine.py" line="0" />
      <source>Steps done</source>
      <translation>Pasos hechos</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>Stop and go</source>
      <translation>Para y sigue</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>Stride</source>
      <translation>Zancada</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Strongest squeeze</source>
      <translation>Apretón más fuerte</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Sway area (95 %)</source>
      <translation>Área de balanceo (95 %)</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Sway path</source>
      <translation>Recorrido del balanceo</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Sway velocity</source>
      <translation>Velocidad del balanceo</translation>
    </message>
    <message>
      <location filename="../../../exercises/finger_taps.py" line="0" />
      <source>Tap rate</source>
      <translation>Ritmo de golpecitos</translation>
    </message>
    <message>
      <location filename="../../../exercises/finger_taps.py" line="0" />
      <source>Taps</source>
      <translation>Golpecitos</translation>
    </message>
    <message>
      <location filename="../../../exercises/routine.py" line="0" />
      <source>Thumbs-up hold</source>
      <translation>Mantener el pulgar arriba</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Time in the zone</source>
      <translation>Tiempo en la zona</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Time on the line</source>
      <translation>Tiempo sobre la línea</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>Time on the path</source>
      <translation>Tiempo sobre el camino</translation>
    </message>
    <message>
      <location filename="../../../exercises/pegboard.py" line="0" />
      <source>Time per peg</source>
      <translation>Tiempo por clavija</translation>
    </message>
    <message>
      <location filename="../../../exercises/routine.py" line="0" />
      <source>Time per step</source>
      <translation>Tiempo por paso</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>Time to a star</source>
      <translation>Tiempo hasta una estrella</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>Time to first pose</source>
      <translation>Tiempo hasta la primera postura</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>Time to jump</source>
      <translation>Tiempo hasta el salto</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Time to peak</source>
      <translation>Tiempo hasta el máximo</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>Time to touch</source>
      <translation>Tiempo hasta tocar</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>Time upright</source>
      <translation>Tiempo erguido</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Tolerance</source>
      <translation>Tolerancia</translation>
    </message>
    <message>
      <location filename="../../../exercises/brushing.py" line="0" />
      <source>Tooth brushing</source>
      <translation>Cepillado de dientes</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>Touch distance</source>
      <translation>Distancia de toque</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>Tracing</source>
      <translation>Trazado</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>Trunk lean</source>
      <translation>Inclinación del tronco</translation>
    </message>
    <message>
      <location filename="../../../exercises/brushing.py" line="0" />
      <source>Two minutes brushed</source>
      <translation>Dos minutos cepillados</translation>
    </message>
    <message>
      <location filename="../../../exercises/breathing.py" line="0" />
      <source>With the balloon</source>
      <translation>Al ritmo del globo</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Zone high</source>
      <translation>Límite superior de la zona</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>Zone low</source>
      <translation>Límite inferior de la zona</translation>
    </message>
    <message>
      <location filename="../../../exercises/brushing.py" line="0" />
      <source>Zones brushed</source>
      <translation>Zonas cepilladas</translation>
    </message>
    <message>
      <location filename="../../../exercises/stance.py" line="0" />
      <source>a lift shorter than this is a step, not an attempt</source>
      <translation>un levantamiento más corto que esto es un paso, no un intento</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>a trial that ran earns full stars; sway is the therapist's measure, not the child's goal</source>
      <translation>un ensayo completado gana todas las estrellas; el balanceo es la medida de la terapeuta, no el objetivo del niño</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>animals</source>
      <translation>animales</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>arm lengths</source>
      <translation>longitudes de brazo</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>arms not high enough</source>
      <translation>brazos poco altos</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>arms uneven</source>
      <translation>brazos desiguales</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>body heights</source>
      <translation>alturas del cuerpo</translation>
    </message>
    <message>
      <location filename="../../../exercises/breathing.py" line="0" />
      <source>breaths/min</source>
      <translation>respiraciones/min</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>cm</source>
      <translation>cm</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>count</source>
      <translation>número</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>crouch not deep enough</source>
      <translation>agachado poco profundo</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>d' (go/no-go)</source>
      <translation>d' (sigue/para)</translation>
    </message>
    <message>
      <location filename="../../../exercises/hand_to_mouth.py" line="0" />
      <source>degrees</source>
      <translation>grados</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>feet not apart</source>
      <translation>pies no separados</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>fraction</source>
      <translation>fracción</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>frame heights</source>
      <translation>alturas de imagen</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>frame heights or mm</source>
      <translation>alturas de imagen o mm</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>frame_height</source>
      <translation>alturas de imagen</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>half-width of the band around the path</source>
      <translation>media anchura de la banda alrededor del camino</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>hands did not touch the floor</source>
      <translation>las manos no tocaron el suelo</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>hips high</source>
      <translation>cadera alta</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>hips sagging</source>
      <translation>cadera caída</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>hips too low</source>
      <translation>cadera demasiado baja</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>how close to the line counts as on it</source>
      <translation>a qué distancia de la línea cuenta como encima</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>how far each limb must swing to count a step</source>
      <translation>cuánto debe moverse cada extremidad para contar un paso</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>how far the child must lean to reach a star</source>
      <translation>cuánto debe inclinarse el niño para alcanzar una estrella</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>how far the head may tilt and still count as upright</source>
      <translation>cuánto puede inclinarse la cabeza y seguir contando como erguido</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>how far the hips must go down and up to count</source>
      <translation>cuánto debe bajar y subir la cadera para contar</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>how far the shoulders must go down and up to count</source>
      <translation>cuánto deben bajar y subir los hombros para contar</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>how far the trunk may lean and still count as upright</source>
      <translation>cuánto puede inclinarse el tronco y seguir contando como erguido</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>how far the trunk must rise to count</source>
      <translation>cuánto debe subir el tronco para contar</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>how long a go/no-go picture stays up (the response window)</source>
      <translation>cuánto tiempo se ve una imagen de sigue/para (el tiempo para responder)</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>how long a pose must be held before it counts</source>
      <translation>cuánto tiempo hay que mantener una postura para que cuente</translation>
    </message>
    <message>
      <location filename="../../../exercises/posture.py" line="0" />
      <source>how long a slump lasts before a gentle cue</source>
      <translation>cuánto dura un encorvamiento antes de un aviso suave</translation>
    </message>
    <message>
      <location filename="../../../exercises/routine.py" line="0" />
      <source>how long a step may take before a picture prompt</source>
      <translation>cuánto puede durar un paso antes de una ayuda con imagen</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>how long each animal picture is shown</source>
      <translation>cuánto tiempo se muestra cada imagen de animal</translation>
    </message>
    <message>
      <location filename="../../../exercises/brushing.py" line="0" />
      <source>how long the child brushes (two minutes is the dental advice)</source>
      <translation>cuánto tiempo se cepilla el niño (el consejo del dentista son dos minutos)</translation>
    </message>
    <message>
      <location filename="../../../exercises/routine.py" line="0" />
      <source>how long the thumbs-up must be held</source>
      <translation>cuánto tiempo hay que mantener el pulgar arriba</translation>
    </message>
    <message>
      <location filename="../../../exercises/copy_animals.py" line="0" />
      <source>how many animals the first sequence has</source>
      <translation>cuántos animales tiene la primera secuencia</translation>
    </message>
    <message>
      <location filename="../../../exercises/breathing.py" line="0" />
      <source>how many times a minute the balloon grows and shrinks (slower is harder)</source>
      <translation>cuántas veces por minuto crece y se encoge el globo (más lento es más difícil)</translation>
    </message>
    <message>
      <location filename="../../../exercises/hand_to_mouth.py" line="0" />
      <source>how much the hand may roll while carrying</source>
      <translation>cuánto puede girar la mano al llevar la cuchara</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>how near the hands must come to a body part to touch it</source>
      <translation>cuánto deben acercarse las manos a una parte del cuerpo para tocarla</translation>
    </message>
    <message>
      <location filename="../../../exercises/brushing.py" line="0" />
      <source>how near the mouth the hand must be</source>
      <translation>cuánto debe acercarse la mano a la boca</translation>
    </message>
    <message>
      <location filename="../../../exercises/hand_to_mouth.py" line="0" />
      <source>how near the mouth the hand must come</source>
      <translation>cuánto debe acercarse la mano a la boca</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>how wide arms and legs must open to count</source>
      <translation>cuánto deben abrirse brazos y piernas para contar</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>jump not seen in the air</source>
      <translation>no se vio el salto en el aire</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>knees bent</source>
      <translation>rodillas dobladas</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>knees falling in</source>
      <translation>rodillas hacia dentro</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>knees on the floor</source>
      <translation>rodillas en el suelo</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>leg lengths</source>
      <translation>longitudes de pierna</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>legs straight</source>
      <translation>piernas rectas</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>lower edge of the squeeze zone</source>
      <translation>borde inferior de la zona de apretar</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>mm</source>
      <translation>mm</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>mm/s</source>
      <translation>mm/s</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>mm^2</source>
      <translation>mm²</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>mm²</source>
      <translation>mm²</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>not all the way up</source>
      <translation>no subió del todo</translation>
    </message>
    <message>
      <location filename="../../../exercises/jumps.py" line="0" />
      <source>not both feet together</source>
      <translation>no con los dos pies juntos</translation>
    </message>
    <message>
      <location filename="../../../exercises/calisthenics.py" line="0" />
      <source>not deep enough</source>
      <translation>poco profundo</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>per min</source>
      <translation>por min</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>points</source>
      <translation>puntos</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>radius of a star</source>
      <translation>radio de una estrella</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>response window of an opposites item</source>
      <translation>tiempo para responder en un ítem de opuestos</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>s</source>
      <translation>s</translation>
    </message>
    <message>
      <location filename="../../../exercises/brushing.py" line="0" />
      <source>shoulder widths</source>
      <translation>anchos de hombros</translation>
    </message>
    <message>
      <location filename="../../../exercises/stance.py" line="0" />
      <source>standing foot moved</source>
      <translation>se movió el pie de apoyo</translation>
    </message>
    <message>
      <location filename="../../../exercises/tracing.py" line="0" />
      <source>stars from how much of the path was traced and the time on the path</source>
      <translation>estrellas según cuánto del camino se trazó y el tiempo sobre el camino</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>stars from the repetitions against the target, scaled by their mean quality (flags lower it)</source>
      <translation>estrellas según las repeticiones frente al objetivo, ajustadas por su calidad media (los avisos la bajan)</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>stars from the units done against the target</source>
      <translation>estrellas según las unidades hechas frente al objetivo</translation>
    </message>
    <message>
      <location filename="../../../exercises/stance.py" line="0" />
      <source>stepped out of view</source>
      <translation>salió de la imagen</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>time in the zone that fills the balloon</source>
      <translation>tiempo en la zona que llena el globo</translation>
    </message>
    <message>
      <location filename="../../../exercises/balance.py" line="0" />
      <source>time to stay on a star</source>
      <translation>tiempo que hay que quedarse en una estrella</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>torso lengths</source>
      <translation>longitudes de torso</translation>
    </message>
    <message>
      <location filename="../../../exercises/animal_walks.py" line="0" />
      <source>trunk lengths</source>
      <translation>longitudes de tronco</translation>
    </message>
    <message>
      <location filename="../../../exercises/grip.py" line="0" />
      <source>upper edge of the squeeze zone</source>
      <translation>borde superior de la zona de apretar</translation>
    </message>
    <message>
      <location filename="../../../exercises/stop_go.py" line="0" />
      <source>z</source>
      <translation>z</translation>
    </message>
  </context>
  <context>
    <name>Dashboard</name>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="927" />
      <source> (at the end)</source>
      <translation> (al final)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="434" />
      <source> s</source>
      <translation> s</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="309" />
      <source>+ harder</source>
      <translation>+ más difícil</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="477" />
      <source>Add to plan ↓</source>
      <translation>Añadir al plan ↓</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="465" />
      <source>Advanced settings</source>
      <translation>Ajustes avanzados</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="996" />
      <source>Camera</source>
      <translation>Cámara</translation>
    </message>
    <message>
      <source>Difficulty (next trial):</source>
      <translation>Dificultad (próximo ensayo):</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="934" />
      <source>Done</source>
      <translation>Hecho</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="437" />
      <source>Duration</source>
      <translation>Duración</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="446" />
      <source>Easier</source>
      <translation>Más fácil</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="255" />
      <source>End the trial and the session; everything recorded is kept (Esc)</source>
      <translation>Terminar el ensayo y la sesión; se conserva todo lo grabado (Esc)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="423" />
      <source>Exercise</source>
      <translation>Ejercicio</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Get ready… %1</source>
      <translation>Prepárate… %1</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="875" />
      <source>Get ready… {n}</source>
      <translation>Prepárate… {n}</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="447" />
      <source>Harder</source>
      <translation>Más difícil</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="353" />
      <source>History</source>
      <translation>Historial</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="1035" />
      <source>Last three:</source>
      <translation>Últimas tres:</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="1026" />
      <source>Last three: none yet</source>
      <translation>Últimas tres: ninguna todavía</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="691" />
      <source>Load plan</source>
      <translation>Cargar plan</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="490" />
      <source>Load…</source>
      <translation>Cargar…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="819" />
      <source>New goal for {code}</source>
      <translation>Nuevo objetivo para {code}</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="314" />
      <source>Next trial:</source>
      <translation>Próximo ensayo:</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="957" />
      <source>No goal set for this trial · {t} s</source>
      <translation>Sin objetivo para este ensayo · {t} s</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="288" />
      <source>No trial yet</source>
      <translation>Ningún ensayo todavía</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="358" />
      <source>Notes (saved with the session)</source>
      <translation>Notas (se guardan con la sesión)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="360" />
      <source>Observations, prompts given, mood…</source>
      <translation>Observaciones, ayudas dadas, estado de ánimo…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="239" />
      <source>Participant</source>
      <translation>Participante</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="942" />
      <source>Path traced {p} %</source>
      <translation>Trazado recorrido {p} %</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="252" />
      <source>Pause / resume (Space)</source>
      <translation>Pausar / reanudar (Espacio)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="876" />
      <source>Paused</source>
      <translation>En pausa</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="339" />
      <source>Plan</source>
      <translation>Plan</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="691" />
      <source>Plans (*.toml)</source>
      <translation>Planes (*.toml)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="876" />
      <source>Playing</source>
      <translation>Jugando</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="445" />
      <source>Presets:</source>
      <translation>Niveles:</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="244" />
      <source>Pseudonymous code only (e.g. P-017), never a name</source>
      <translation>Solo un código seudónimo (p. ej. P-017), nunca un nombre</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="268" />
      <source>Ready</source>
      <translation>Listo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="489" />
      <source>Remove</source>
      <translation>Quitar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="431" />
      <source>Repetitions</source>
      <translation>Repeticiones</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Rest %1 s</source>
      <translation>Descanso %1 s</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="442" />
      <source>Rest after</source>
      <translation>Descanso después</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="877" />
      <source>Rest {n} s</source>
      <translation>Descanso {n} s</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="699" />
      <source>Save plan</source>
      <translation>Guardar plan</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="490" />
      <source>Save…</source>
      <translation>Guardar…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="997" />
      <source>Saving</source>
      <translation>Guardado</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="877" />
      <source>Session complete</source>
      <translation>Sesión completa</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="878" />
      <source>Session failed</source>
      <translation>La sesión falló</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="597" />
      <source>Showing the settings trial {n} uses.</source>
      <translation>Se muestran los ajustes del ensayo {n}.</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="996" />
      <source>Simulated child</source>
      <translation>Niño simulado</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="260" />
      <source>Sound and language…</source>
      <translation>Sonido e idioma…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="249" />
      <source>Start the plan (Space)</source>
      <translation>Iniciar el plan (Espacio)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="312" />
      <source>Step the difficulty of the next trial (tolerances, targets, holds)</source>
      <translation>Cambiar la dificultad del próximo ensayo (tolerancias, objetivos, tiempos)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="341" />
      <source>Summary</source>
      <translation>Resumen</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="997" />
      <source>Table calibration</source>
      <translation>Calibración de la mesa</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="949" />
      <source>Time {t} of {d} s</source>
      <translation>Tiempo {t} de {d} s</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>Trial %1/%2: %3</source>
      <translation>Ensayo %1/%2: %3</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="878" />
      <source>Trial failed (no score)</source>
      <translation>El ensayo falló (sin puntuación)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="896" />
      <source>Trial {i} of {n}: {label}</source>
      <translation>Ensayo {i} de {n}: {label}</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="996" />
      <source>Video</source>
      <translation>Vídeo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="876" />
      <source>Well done!</source>
      <translation>¡Muy bien!</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="342" />
      <source>date (UTC)</source>
      <translation>fecha (UTC)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="649" />
      <source>defaults</source>
      <translation>valores por defecto</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="340" />
      <source>exercise</source>
      <translation>ejercicio</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>fair</source>
      <translation>regular</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="787" />
      <source>goals unavailable: {e}</source>
      <translation>objetivos no disponibles: {e}</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>good</source>
      <translation>bien</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="830" />
      <source>history unavailable: {e}</source>
      <translation>historial no disponible: {e}</translation>
    </message>
    <message>
      <source>main metrics</source>
      <translation>métricas principales</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="343" />
      <source>metric</source>
      <translation>métrica</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="430" />
      <source>no target</source>
      <translation>sin objetivo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>not scored</source>
      <translation>sin puntuar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="812" />
      <source>past trials unavailable: {e}</source>
      <translation>ensayos anteriores no disponibles: {e}</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="342" />
      <source>place</source>
      <translation>lugar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="0" />
      <source>poor</source>
      <translation>flojo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="340" />
      <source>reps</source>
      <translation>repeticiones</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="648" />
      <source>rest {s} s</source>
      <translation>descanso {s} s</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="340" />
      <source>results</source>
      <translation>resultados</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="342" />
      <source>source</source>
      <translation>fuente</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="340" />
      <source>stars</source>
      <translation>estrellas</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="342" />
      <source>status</source>
      <translation>estado</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="1010" />
      <source>to screen {n} ms</source>
      <translation>hasta la pantalla {n} ms</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="1008" />
      <source>tracking {n}/s</source>
      <translation>seguimiento {n}/s</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="340" />
      <source>trial</source>
      <translation>ensayo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="435" />
      <source>until done</source>
      <translation>hasta terminar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="343" />
      <source>value</source>
      <translation>valor</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="955" />
      <source>{label} {n} (no target set)</source>
      <translation>{label} {n} (sin objetivo)</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="939" />
      <source>{label} {n} of {target}</source>
      <translation>{label} {n} de {target}</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="945" />
      <source>{label} {n} · hold {p} %</source>
      <translation>{label} {n} · mantenido {p} %</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="928" />
      <source>{label}, in {unit}</source>
      <translation>{label}, en {unit}</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="644" />
      <source>{n} reps</source>
      <translation>{n} rep.</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="308" />
      <source>− easier</source>
      <translation>− más fácil</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="253" />
      <source>■ Stop</source>
      <translation>■ Parar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="720" />
      <source>▶ Resume</source>
      <translation>▶ Seguir</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="247" />
      <source>▶ Start</source>
      <translation>▶ Iniciar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="250" />
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
    <name>HeadlineTile</name>
    <message>
      <location filename="../../../station/ui/dashboard.py" line="191" />
      <source>–</source>
      <translation>–</translation>
    </message>
  </context>
  <context>
    <name>HomeWindow</name>
    <message>
      <location filename="../../../station/ui/home.py" line="80" />
      <source>Motor Station - home</source>
      <translation>Motor Station - casa</translation>
    </message>
  </context>
  <context>
    <name>LiveCharts</name>
    <message>
      <location filename="../../../station/ui/charts.py" line="84" />
      <source>% frame height</source>
      <translation>% de la altura de la imagen</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="87" />
      <source>Centre of pressure</source>
      <translation>Centro de presión</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="84" />
      <source>Distance from the path</source>
      <translation>Distancia al camino</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="86" />
      <source>Grip force</source>
      <translation>Fuerza de agarre</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="86" />
      <source>N</source>
      <translation>N</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="85" />
      <source>Repetitions</source>
      <translation>Repeticiones</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="87" />
      <source>back – front</source>
      <translation>atrás – delante</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="85" />
      <source>count</source>
      <translation>número</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="87" />
      <source>left – right</source>
      <translation>izquierda – derecha</translation>
    </message>
    <message>
      <location filename="../../../station/ui/charts.py" line="84" />
      <source>time (s)</source>
      <translation>tiempo (s)</translation>
    </message>
  </context>
  <context>
    <name>PersonPicker</name>
    <message>
      <location filename="../../../station/ui/person_picker.py" line="69" />
      <source>Click a person to score them</source>
      <translation>Haga clic en una persona para puntuarla</translation>
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
      <location filename="../../../station/ui/window.py" line="64" />
      <source>Motor Station</source>
      <translation>Motor Station</translation>
    </message>
    <message>
      <location filename="../../../station/ui/window.py" line="141" />
      <source>Preparing…</source>
      <translation>Preparando…</translation>
    </message>
    <message>
      <location filename="../../../station/ui/window.py" line="149" />
      <source>Ready</source>
      <translation>Listo</translation>
    </message>
    <message>
      <location filename="../../../station/ui/window.py" line="174" />
      <source>no trial left to change</source>
      <translation>no queda ningún ensayo que cambiar</translation>
    </message>
    <message>
      <location filename="../../../station/ui/window.py" line="179" />
      <source>trial {n}: </source>
      <translation>ensayo {n}: </translation>
    </message>
  </context>
  <context>
    <name>person_picker</name>
    <message>
      <location filename="../../../station/ui/person_picker.py" line="180" />
      <source>Who is scored</source>
      <translation>A quién se puntúa</translation>
    </message>
  </context>
  <context>
    <name>window</name>
    <message>
      <source>Who is scored</source>
      <translation>A quién se puntúa</translation>
    </message>
  </context>
</TS>
